package dev.keygate.test.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@code redis-server} process on a free loopback port, started by the test that owns it and
 * stopped with it. Persistence is off ({@code --save "" --appendonly no}).
 *
 * <p>The server runs under a tiny {@code sh} watchdog that kills it as soon as this JVM's end of
 * the watchdog's standard input closes, so a test JVM that dies, even by {@code SIGKILL}, leaves no
 * {@code redis-server} behind. A JVM shutdown hook also stops every process still running.
 *
 * <p>Fault injection for tests: {@link #stop()} and {@link #start()} (same port), {@link #freeze()}
 * ({@code SIGSTOP}) and {@link #resume()} ({@code SIGCONT}). Thread-safe.
 */
public final class RedisProcess implements RedisServer, AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);
    private static final String HOST = "127.0.0.1";
    private static final Set<RedisProcess> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> RUNNING.forEach(RedisProcess::stopQuietly),
                                "redis-process-reaper"));
    }

    private final String executable;
    private final List<String> extraArgs;
    private final Path logFile;
    private int port;
    private Process watchdog;
    private long serverPid;
    private boolean frozen;

    private RedisProcess(String executable, List<String> extraArgs, Path logFile) {
        this.executable = executable;
        this.extraArgs = List.copyOf(extraArgs);
        this.logFile = logFile;
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
        String executable = findExecutable();
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
        RedisProcess process = new RedisProcess(executable, List.of(extraArgs), logFile);
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                process.startOn(freePort());
                return process;
            } catch (IllegalStateException ex) {
                // another process may have taken the port between probing and binding: try another
                failure = ex;
            }
        }
        throw failure;
    }

    /** Whether {@code redis-server} can be found, so callers can choose another way. */
    public static boolean isAvailable() {
        return findExecutable() != null;
    }

    /** Starts the server again on the port it had, after {@link #stop()}. */
    public synchronized void start() {
        if (watchdog != null && watchdog.isAlive()) {
            throw new IllegalStateException("redis-server on port " + port + " is already running");
        }
        startOn(port);
    }

    private synchronized void startOn(int port) {
        this.port = port;
        List<String> command = new ArrayList<>();
        command.add("sh");
        command.add("-c");
        // The watchdog: start the server, report its pid, then wait for stdin to close and kill it.
        command.add(
                "\"$0\" \"$@\" & pid=$!; echo \"$pid\"; read -r _ignored;"
                        + " kill -CONT $pid 2>/dev/null; kill $pid 2>/dev/null; wait $pid");
        command.add(executable);
        command.addAll(
                List.of(
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        HOST,
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--daemonize",
                        "no",
                        "--logfile",
                        logFile.toString()));
        command.addAll(extraArgs);
        try {
            watchdog =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.PIPE)
                            .start();
            BufferedReader reader =
                    new BufferedReader(
                            new InputStreamReader(
                                    watchdog.getInputStream(), StandardCharsets.US_ASCII));
            String pidLine = reader.readLine();
            if (pidLine == null) {
                throw new IllegalStateException("redis-server watchdog exited at once");
            }
            serverPid = Long.parseLong(pidLine.trim());
        } catch (IOException ex) {
            throw new IllegalStateException("cannot start " + executable, ex);
        }
        frozen = false;
        RUNNING.add(this);
        awaitReady();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            if (!ProcessHandle.of(serverPid).map(ProcessHandle::isAlive).orElse(false)) {
                stopQuietly();
                throw new IllegalStateException(
                        "redis-server exited while starting on port " + port + "; log: " + tail());
            }
            try {
                if ("PONG".equals(command("PING"))) {
                    return;
                }
            } catch (RuntimeException ex) {
                last = ex;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        stopQuietly();
        throw new IllegalStateException(
                "redis-server did not answer PING on port "
                        + port
                        + " within "
                        + READY_TIMEOUT
                        + "; log: "
                        + tail(),
                last);
    }

    /**
     * Stops the server (resuming it first if frozen) and waits until its process is gone. Data is
     * lost, as after a crash without persistence.
     */
    public synchronized void stop() {
        if (watchdog == null) {
            return;
        }
        try {
            OutputStream stdin = watchdog.getOutputStream();
            stdin.close();
        } catch (IOException ignored) {
            // the watchdog is already gone; destroy below makes sure
        }
        try {
            if (!watchdog.waitFor(10, TimeUnit.SECONDS)) {
                ProcessHandle.of(serverPid).ifPresent(ProcessHandle::destroyForcibly);
                watchdog.destroyForcibly();
                watchdog.waitFor(10, TimeUnit.SECONDS);
            }
            ProcessHandle.of(serverPid)
                    .ifPresent(
                            handle -> {
                                handle.destroyForcibly();
                                handle.onExit().orTimeout(10, TimeUnit.SECONDS).join();
                            });
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        watchdog = null;
        frozen = false;
        RUNNING.remove(this);
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException ignored) {
            // best effort at shutdown
        }
    }

    /** Suspends the server with {@code SIGSTOP}: connections stay open, nothing answers. */
    public synchronized void freeze() {
        signal("-STOP");
        frozen = true;
    }

    /** Resumes a {@link #freeze() frozen} server with {@code SIGCONT}. */
    public synchronized void resume() {
        signal("-CONT");
        frozen = false;
    }

    /** Whether the server process is running (frozen counts as running). */
    public synchronized boolean isRunning() {
        return watchdog != null
                && ProcessHandle.of(serverPid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Whether {@link #freeze()} was called without a matching {@link #resume()}. */
    public synchronized boolean isFrozen() {
        return frozen;
    }

    /** The operating-system pid of the {@code redis-server} process. */
    public synchronized long pid() {
        return serverPid;
    }

    private void signal(String signal) {
        RedisNodeProcess.signal(serverPid, signal);
    }

    @Override
    public String host() {
        return HOST;
    }

    @Override
    public synchronized int port() {
        return port;
    }

    @Override
    public String describe() {
        return "redis-server process " + executable + " on port " + port + " (log " + logFile + ")";
    }

    @Override
    public void close() {
        stop();
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException ex) {
            return "(unreadable: " + ex.getMessage() + ")";
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException ex) {
            throw new UncheckedIOException("no free port on " + HOST, ex);
        }
    }

    private static String findExecutable() {
        return RedisNodeProcess.executable("redis-server", "REDIS_SERVER_BIN");
    }
}
