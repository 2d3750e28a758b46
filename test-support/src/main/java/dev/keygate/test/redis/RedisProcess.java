package dev.keygate.test.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code redis-server} process on a free loopback port, started by the test that owns it and
 * stopped with it. Persistence is off ({@code --save "" --appendonly no}). A {@link
 * RedisNodeProcess} with a fixed command line, so it shares its watchdog: a test JVM that dies,
 * even by {@code SIGKILL}, leaves no {@code redis-server} behind.
 *
 * <p>Fault injection for tests: {@link #stop()} and {@link #start()} (same port), {@link #freeze()}
 * ({@code SIGSTOP}) and {@link #resume()} ({@code SIGCONT}). Thread-safe.
 */
public final class RedisProcess implements RedisServer, AutoCloseable {

    private final RedisNodeProcess node;
    private final String executable;
    private boolean frozen;

    private RedisProcess(RedisNodeProcess node, String executable) {
        this.node = node;
        this.executable = executable;
    }

    /**
     * Starts a {@code redis-server} from {@code REDIS_SERVER_BIN}, else the PATH, else the one
     * shipped in the {@code embedded-redis} artifact ({@link EmbeddedRedisBinary}; forced with
     * {@code KEYGATE_TEST_REDIS=embedded}), on a free port, and waits until it answers {@code
     * PING}.
     *
     * @throws IllegalStateException when no {@code redis-server} can be found or it does not start
     */
    public static RedisProcess launch(String... extraArgs) {
        String executable = RedisNodeProcess.executable("redis-server", "REDIS_SERVER_BIN");
        if (executable == null) {
            throw new IllegalStateException(
                    "no redis-server found on the PATH (or REDIS_SERVER_BIN). Install one (Debian/Ubuntu:"
                            + " 'apt-get install redis-server', macOS: 'brew install redis'), or point"
                            + " REDIS_URL at a running Redis, or run a Docker engine for Testcontainers.");
        }
        Path logFile;
        try {
            logFile = Files.createTempFile("keygate-redis-", ".log");
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        RedisNodeProcess node =
                RedisNodeProcess.launchOnFreePort(
                        "redis-server",
                        logFile,
                        port -> {
                            List<String> command =
                                    RedisNodeProcess.dataNodeCommand(executable, port, logFile);
                            command.addAll(List.of(extraArgs));
                            return command;
                        });
        return new RedisProcess(node, executable);
    }

    /** Whether {@code redis-server} can be found, so callers can choose another way. */
    public static boolean isAvailable() {
        return RedisNodeProcess.executable("redis-server", "REDIS_SERVER_BIN") != null;
    }

    /** Starts the server again on the port it had, after {@link #stop()}. */
    public synchronized void start() {
        node.start();
        frozen = false;
    }

    /**
     * Stops the server (resuming it first if frozen) and waits until its process is gone. Data is
     * lost, as after a crash without persistence.
     */
    public synchronized void stop() {
        node.stop();
        frozen = false;
    }

    /** Suspends the server with {@code SIGSTOP}: connections stay open, nothing answers. */
    public synchronized void freeze() {
        node.freeze();
        frozen = true;
    }

    /** Resumes a {@link #freeze() frozen} server with {@code SIGCONT}. */
    public synchronized void resume() {
        node.resume();
        frozen = false;
    }

    /** Whether the server process is running (frozen counts as running). */
    public boolean isRunning() {
        return node.isRunning();
    }

    /** Whether {@link #freeze()} was called without a matching {@link #resume()}. */
    public synchronized boolean isFrozen() {
        return frozen;
    }

    /** The operating-system pid of the {@code redis-server} process. */
    public long pid() {
        return node.pid();
    }

    @Override
    public String host() {
        return node.host();
    }

    @Override
    public int port() {
        return node.port();
    }

    @Override
    public String describe() {
        return "redis-server process "
                + executable
                + " on port "
                + port()
                + " ("
                + node.describe()
                + ")";
    }

    @Override
    public void close() {
        stop();
    }
}
