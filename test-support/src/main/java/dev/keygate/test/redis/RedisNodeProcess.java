package dev.keygate.test.redis;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/**
 * One Redis process of a multi-process set-up ({@link RedisSentinelSetup}, {@link
 * RedisClusterSetup}): a data node or a Sentinel, started from a full command line (so a config
 * file may come first, as Sentinel requires) on a port chosen by the caller.
 *
 * <p>The server runs under an {@code sh} watchdog that kills it as soon as this JVM's end of the
 * watchdog's standard input closes, so a test JVM that dies leaves nothing behind; a shutdown hook
 * stops whatever is still running. Faults: {@link #stop()} (graceful, {@code SIGTERM}), {@link
 * #kill()} ({@code SIGKILL}, a crash), {@link #start()} again with the same command line, {@link
 * #freeze()}/{@link #resume()}. Thread-safe.
 */
public final class RedisNodeProcess implements RedisServer, AutoCloseable {

    static final String HOST = "127.0.0.1";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final Set<RedisNodeProcess> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> RUNNING.forEach(RedisNodeProcess::stopQuietly),
                                "redis-node-reaper"));
    }

    private final String name;
    private final List<String> command;
    private final int port;
    private final Path logFile;
    private Process watchdog;
    private long serverPid;

    private RedisNodeProcess(String name, List<String> command, int port, Path logFile) {
        this.name = name;
        this.command = List.copyOf(command);
        this.port = port;
        this.logFile = logFile;
    }

    /**
     * Starts {@code command} (executable first) that will listen on {@code port}, and waits until
     * it answers {@code PING}.
     */
    static RedisNodeProcess launch(String name, List<String> command, int port, Path logFile) {
        RedisNodeProcess process = new RedisNodeProcess(name, command, port, logFile);
        process.start();
        return process;
    }

    /** Starts the process again with the same command line (same port, same files). */
    public synchronized void start() {
        if (isRunning()) {
            throw new IllegalStateException(name + " is already running");
        }
        List<String> argv = new ArrayList<>();
        argv.add("sh");
        argv.add("-c");
        argv.add(
                "\"$0\" \"$@\" & pid=$!; echo \"$pid\"; read -r _ignored;"
                        + " kill -CONT $pid 2>/dev/null; kill $pid 2>/dev/null; wait $pid");
        argv.addAll(command);
        try {
            watchdog =
                    new ProcessBuilder(argv)
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.PIPE)
                            .start();
            String pidLine =
                    new BufferedReader(
                                    new InputStreamReader(
                                            watchdog.getInputStream(), StandardCharsets.US_ASCII))
                            .readLine();
            if (pidLine == null) {
                throw new IllegalStateException(name + ": watchdog exited at once");
            }
            serverPid = Long.parseLong(pidLine.trim());
        } catch (IOException ex) {
            throw new IllegalStateException("cannot start " + command, ex);
        }
        RUNNING.add(this);
        try {
            Awaitility.await(name + " answering PING")
                    .atMost(READY_TIMEOUT)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(20))
                    .pollInSameThread()
                    .ignoreExceptions()
                    .failFast(
                            () ->
                                    !ProcessHandle.of(serverPid)
                                            .map(ProcessHandle::isAlive)
                                            .orElse(false))
                    .until(() -> "PONG".equals(command("PING")));
        } catch (TerminalFailureException exited) {
            stopQuietly();
            throw new IllegalStateException(
                    name + " exited while starting on port " + port + "; log: " + tail());
        } catch (ConditionTimeoutException timedOut) {
            stopQuietly();
            throw new IllegalStateException(
                    name + " did not answer PING on port " + port + "; log: " + tail(), timedOut);
        }
    }

    /** Stops the process gracefully ({@code SIGTERM}) and waits until it is gone. */
    public synchronized void stop() {
        if (watchdog == null) {
            return;
        }
        try {
            watchdog.getOutputStream().close();
        } catch (IOException ignored) {
            // the watchdog is gone already; the forced kill below makes sure
        }
        awaitGone(Duration.ofSeconds(15));
    }

    /** Kills the process with {@code SIGKILL}, as a crash would, and waits until it is gone. */
    public synchronized void kill() {
        if (watchdog == null) {
            return;
        }
        ProcessHandle.of(serverPid).ifPresent(ProcessHandle::destroyForcibly);
        try {
            watchdog.getOutputStream().close();
        } catch (IOException ignored) {
            // see stop()
        }
        awaitGone(Duration.ofSeconds(10));
    }

    private void awaitGone(Duration bound) {
        try {
            if (!watchdog.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
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
        RUNNING.remove(this);
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException ignored) {
            // best effort
        }
    }

    /** Suspends the process with {@code SIGSTOP}. */
    public synchronized void freeze() {
        signal("-STOP");
    }

    /** Resumes a frozen process with {@code SIGCONT}. */
    public synchronized void resume() {
        signal("-CONT");
    }

    private void signal(String signal) {
        signal(serverPid, signal);
    }

    /**
     * Sends {@code signal} ({@code -STOP}, {@code -CONT}, ...) to {@code pid} with {@code kill}.
     */
    static void signal(long pid, String signal) {
        try {
            Process kill =
                    new ProcessBuilder("kill", signal, Long.toString(pid))
                            .redirectErrorStream(true)
                            .start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill " + signal + " " + pid + " failed");
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** The operating-system pid of the server process (the last one started). */
    public synchronized long pid() {
        return serverPid;
    }

    /** Whether the process is alive (a frozen one counts). */
    public synchronized boolean isRunning() {
        return watchdog != null
                && ProcessHandle.of(serverPid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** A short name for logs, such as {@code master} or {@code node-2}. */
    public String name() {
        return name;
    }

    /** {@code host:port}, as Spring Boot's {@code spring.data.redis.*.nodes} take it. */
    public String address() {
        return HOST + ":" + port;
    }

    @Override
    public String host() {
        return HOST;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String describe() {
        return name + " on port " + port + " (log " + logFile + ")";
    }

    @Override
    public String toString() {
        return name + "@" + port;
    }

    /** The last lines of the process's log file. */
    public String tail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException ex) {
            return "(unreadable: " + ex.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        stop();
    }

    // ---- helpers shared by the set-ups ----

    private static final int PORT_ATTEMPTS = 3;

    /**
     * Launches {@code name} on a free loopback port, with the command line {@code command} builds
     * for that port; when the port was taken between probing and binding, tries another (at most
     * {@value #PORT_ATTEMPTS} times).
     */
    static RedisNodeProcess launchOnFreePort(
            String name, Path logFile, IntFunction<List<String>> command) {
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            int port = freePort(65_535);
            try {
                return launch(name, command.apply(port), port, logFile);
            } catch (IllegalStateException ex) {
                failure = ex; // the port may have been taken meanwhile: try another
            }
        }
        throw failure;
    }

    /**
     * The command line every data node starts from: {@code executable} on {@code port}, bound to
     * loopback, persistence off, in the foreground, logging to {@code logFile}. Callers append
     * their own options.
     */
    static List<String> dataNodeCommand(String executable, int port, Path logFile) {
        return new ArrayList<>(
                List.of(
                        executable,
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
    }

    /** A new temporary directory for a set-up's files (configs, logs), named {@code prefix...}. */
    static Path temporaryDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** A free loopback port at or below {@code max} (the cluster bus needs port + 10000 free). */
    static int freePort(int max) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
                socket.setReuseAddress(true);
                port = socket.getLocalPort();
            } catch (IOException ex) {
                throw new UncheckedIOException("no free port on " + HOST, ex);
            }
            if (port <= max) {
                return port;
            }
        }
        throw new IllegalStateException("no free port at or below " + max);
    }

    /** Finds {@code name} ({@code redis-server}, {@code redis-cli}, ...) or null. */
    static String executable(String name, String envOverride) {
        String explicit = System.getenv(envOverride);
        if (explicit != null && !explicit.isBlank()) {
            return Files.isExecutable(Path.of(explicit)) ? explicit : null;
        }
        List<String> dirs =
                new ArrayList<>(
                        List.of(
                                System.getenv()
                                        .getOrDefault("PATH", "")
                                        .split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/bin", "/usr/local/bin", "/opt/homebrew/bin", "/usr/sbin"));
        boolean embeddedOnly = "embedded".equals(System.getenv("KEYGATE_TEST_REDIS"));
        for (String dir : dirs) {
            if (!embeddedOnly && !dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        // a machine with nothing installed: the redis-server shipped in the embedded-redis artifact
        return "redis-server".equals(name) ? EmbeddedRedisBinary.path() : null;
    }

    static String requiredExecutable(String name, String envOverride) {
        String found = executable(name, envOverride);
        if (found == null) {
            throw new IllegalStateException(
                    "no "
                            + name
                            + " found on the PATH (or "
                            + envOverride
                            + "); Debian/Ubuntu: 'apt-get install redis-server' (Redis 7 or later)");
        }
        return found;
    }

    /**
     * Polls {@code condition} every 50 ms until it holds, for at most {@code bound}; exceptions
     * count as "not yet". Throws with {@code what} and the last failure otherwise.
     */
    static void await(String what, Duration bound, BooleanSupplier condition) {
        try {
            Awaitility.await(what)
                    .atMost(bound)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(50))
                    .pollInSameThread()
                    .ignoreExceptions()
                    .until(condition::getAsBoolean);
        } catch (ConditionTimeoutException ex) {
            throw new IllegalStateException(
                    "timed out after " + bound + " waiting for " + what, ex);
        }
    }

    /** The value of {@code field} in an {@code INFO} reply, or null. */
    static String infoField(Object info, String field) {
        for (String line : String.valueOf(info).split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        return null;
    }
}
