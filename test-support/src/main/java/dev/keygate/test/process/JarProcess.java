package dev.keygate.test.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * One of the reactor's runnable jars (gateway, demo provider) started as its own process, the way
 * {@code deploy/local/run.sh} starts it: settings in the environment, output in a log file under
 * {@code target/e2e-logs/}. Stopped with SIGTERM, then SIGKILL after 20 seconds. The repository is
 * {@code keygate.repo.dir} (a system property the module's surefire sets), else {@code ..}.
 */
public final class JarProcess implements AutoCloseable {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;

    private JarProcess(String name, Process process) {
        this.name = name;
        this.process = process;
    }

    /**
     * Starts {@code <module>/target/<artifact>-<version>-exec.jar} of the repository.
     *
     * @param name the log file's name and the process's name in messages
     * @param module the module directory, relative to the repository
     * @param artifact the artifact id
     * @param env the process's environment on top of this JVM's
     */
    public static JarProcess start(
            String name, String module, String artifact, Map<String, String> env)
            throws IOException {
        Path repo =
                Path.of(System.getProperty("keygate.repo.dir", "..")).toAbsolutePath().normalize();
        String version = System.getProperty("keygate.version", "0.1.0-SNAPSHOT");
        Path jar =
                repo.resolve(module)
                        .resolve("target")
                        .resolve(artifact + "-" + version + "-exec.jar");
        assertThat(jar)
                .as("%s is built by the reactor before the portal (./mvnw verify builds it)", jar)
                .exists();
        Path logs = Files.createDirectories(Path.of("target", "e2e-logs"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder =
                new ProcessBuilder(
                                java,
                                "-Xmx256m",
                                "-XX:+UseSerialGC",
                                "-XX:TieredStopAtLevel=1",
                                "-jar",
                                jar.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(logs.resolve(name + ".log").toFile());
        builder.environment().putAll(env);
        return new JarProcess(name, builder.start());
    }

    /** Waits (at most four minutes) until GET {@code url} answers 200. */
    public JarProcess awaitOk(String url) {
        Awaitility.await(name + " ready at " + url)
                .atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(
                        () -> {
                            assertThat(process.isAlive()).as(name + " is running").isTrue();
                            return HTTP.send(
                                                    HttpRequest.newBuilder(URI.create(url))
                                                            .timeout(Duration.ofSeconds(2))
                                                            .build(),
                                                    HttpResponse.BodyHandlers.discarding())
                                            .statusCode()
                                    == 200;
                        });
        return this;
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Stops the process: SIGTERM, then SIGKILL after 20 seconds. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
