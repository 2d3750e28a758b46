package dev.keygate.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers ({@code gateway/bin/keygate-gateway}, {@code admin-api/bin/keygate-admin-api}, both
 * through {@code deploy/bin/keygate-launch}) run for real on the built jars: the first use makes
 * the class-data-sharing archive (with no Redis and no secret), a start maps it and passes its
 * arguments through, and a directory that cannot hold an archive does not stop the service.
 */
@ExtendWith(RedisExtension.class)
class LauncherTests {

    private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();

    private final RedisServer redis;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    LauncherTests(RedisServer redis) {
        this.redis = redis;
    }

    private static ProcessBuilder launcher(String module, Path output, String... arguments) {
        List<String> command =
                Stream.concat(
                                Stream.of(
                                        REPO.resolve(module + "/bin/keygate-" + module).toString()),
                                Stream.of(arguments))
                        .toList();
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("JAVA_OPTS", "-Xmx256m");
        return builder;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static List<Path> archives(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.toString().matches(".*\\.(jsa|aot)")).toList();
        }
    }

    @Test
    void firstUseTrainsTheArchiveWithoutRedisOrSecrets(@TempDir Path cds) throws Exception {
        Path output = cds.resolve("launcher.out");
        ProcessBuilder train = launcher("admin-api", output);
        train.environment().put("KEYGATE_CDS", "train");
        train.environment().put("KEYGATE_CDS_DIR", cds.toString());
        // no Redis to reach, no token given: the training run builds the context only
        train.environment().put("SPRING_DATA_REDIS_URL", "redis://127.0.0.1:1");
        train.environment().remove("KEYGATE_ADMIN_TOKEN");
        Process process = train.start();
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(Files.readString(output)).isZero();
        assertThat(archives(cds)).hasSize(1);
        assertThat(cds.resolve("app/" + jarName("admin-api"))).exists();
        assertThat(Files.readString(output)).contains("class data sharing ready");
        // the throwaway token is nowhere in what the training wrote
        assertThat(Files.readString(cds.resolve("training.log"))).doesNotContain("cds-training-");
    }

    @Test
    void theGatewayStartsFromItsArchiveWithItsArgumentsPassedThrough(@TempDir Path cds)
            throws Exception {
        int port = freePort();
        int management = freePort();
        Path output = cds.resolve("launcher.out");
        ProcessBuilder start =
                launcher(
                        "gateway",
                        output,
                        "--server.port=" + port,
                        "--management.server.port=" + management,
                        "--spring.data.redis.url=" + redis.uri(),
                        "--keygate.gateway.upstream-uri=http://127.0.0.1:9");
        start.environment().put("KEYGATE_CDS_DIR", cds.toString());
        Process process = start.start();
        try {
            awaitReady(management);
            // the JVM the launcher exec'd (same pid) maps the archive it made on this first use
            List<String> command = process.info().arguments().map(List::of).orElse(List.of());
            List<Path> archives = archives(cds);
            assertThat(archives).hasSize(1);
            String archive = archives.get(0).toString();
            assertThat(command)
                    .anyMatch(
                            argument ->
                                    argument.equals("-XX:SharedArchiveFile=" + archive)
                                            || argument.equals("-XX:AOTCache=" + archive))
                    .contains("--server.port=" + port);
            assertThat(get("http://127.0.0.1:" + port + "/anything").statusCode())
                    .as("no key: refused by Keygate")
                    .isEqualTo(401);
            assertThat(Files.readString(output)).doesNotContain("class data sharing is off");
        } finally {
            stop(process);
        }
    }

    @Test
    void anArchiveDirectoryThatCannotBeWrittenOnlyTurnsSharingOff(@TempDir Path parent)
            throws Exception {
        Path file = Files.writeString(parent.resolve("not-a-directory"), "");
        int management = freePort();
        Path output = parent.resolve("launcher.out");
        ProcessBuilder start =
                launcher(
                        "gateway",
                        output,
                        "--server.port=" + freePort(),
                        "--management.server.port=" + management,
                        "--spring.data.redis.url=" + redis.uri(),
                        "--keygate.gateway.upstream-uri=http://127.0.0.1:9");
        start.environment().put("KEYGATE_CDS_DIR", file.resolve("cds").toString());
        Process process = start.start();
        try {
            awaitReady(management);
            assertThat(Files.readString(output))
                    .contains("class data sharing is off for this start");
            assertThat(process.info().arguments().map(List::of).orElse(List.of()))
                    .noneMatch(argument -> argument.startsWith("-XX:SharedArchiveFile"));
        } finally {
            stop(process);
        }
    }

    private static String jarName(String module) throws IOException {
        try (Stream<Path> files = Files.list(REPO.resolve(module + "/target"))) {
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> name.matches("keygate-" + module + "-.*-exec\\.jar"))
                    .findFirst()
                    .orElseThrow();
        }
    }

    private void awaitReady(int management) {
        await("readiness UP")
                .atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(
                        () ->
                                get("http://127.0.0.1:" + management + "/actuator/health/readiness")
                                                .statusCode()
                                        == 200);
    }

    private HttpResponse<String> get(String uri) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
