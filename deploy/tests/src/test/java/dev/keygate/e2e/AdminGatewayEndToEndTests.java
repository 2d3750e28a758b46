package dev.keygate.e2e;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API and a gateway as real processes (their {@code exec} jars) on one real Redis, with a
 * WireMock upstream: every key operation through the admin API, every effect seen through the
 * gateway. The gateway's epoch poll is set to an hour here (max-staleness two hours, cached entries
 * kept an hour), so within the test a cached key can only be refused because the change came
 * through pub/sub. How long that took is printed, not asserted.
 */
@ExtendWith(RedisExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AdminGatewayEndToEndTests {

    private static final String TOKEN = "e2e-admin-token-0123456789abcdef";
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /** Generous, for a loaded 2-core machine: not a latency bound. */
    private static final Duration BOUND = Duration.ofSeconds(10);

    /**
     * A grace period no stall of a loaded machine outlasts between the rotation and the requests
     * right after it, short enough to wait for its end.
     */
    private static final Duration GRACE = Duration.ofSeconds(15);

    private final RedisServer redis;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Process> processes = new ArrayList<>();
    private WireMockServer upstream;
    private int adminPort;
    private int gatewayPort;

    AdminGatewayEndToEndTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeAll
    void start() throws Exception {
        upstream = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        upstream.start();
        upstream.stubFor(
                any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("{\"orders\":[]}")));
        adminPort = freePort();
        int adminManagement = freePort();
        gatewayPort = freePort();
        int gatewayManagement = freePort();
        Path repo = Path.of("../..").toAbsolutePath().normalize();
        Path logs = Files.createDirectories(Path.of("target/e2e-logs"));
        processes.add(
                launch(
                        repo.resolve("admin-api/target/keygate-admin-api-0.1.0-SNAPSHOT-exec.jar"),
                        logs.resolve("admin-api.log"),
                        Map.of(
                                "SERVER_PORT", Integer.toString(adminPort),
                                "MANAGEMENT_SERVER_PORT", Integer.toString(adminManagement),
                                "KEYGATE_ADMIN_TOKEN", TOKEN)));
        processes.add(
                launch(
                        repo.resolve("gateway/target/keygate-gateway-0.1.0-SNAPSHOT-exec.jar"),
                        logs.resolve("gateway.log"),
                        Map.of(
                                "SERVER_PORT",
                                Integer.toString(gatewayPort),
                                "MANAGEMENT_SERVER_PORT",
                                Integer.toString(gatewayManagement),
                                "KEYGATE_GATEWAY_UPSTREAM_URI",
                                "http://127.0.0.1:" + upstream.port(),
                                "KEYGATE_GATEWAY_INVALIDATION_POLL_INTERVAL",
                                "1h",
                                "KEYGATE_GATEWAY_INVALIDATION_MAX_STALENESS",
                                "2h",
                                "KEYGATE_GATEWAY_CACHE_MAX_AGE",
                                "1h")));
        for (int port : List.of(adminManagement, gatewayManagement)) {
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(
                            () ->
                                    get(
                                                            URI.create(
                                                                    "http://127.0.0.1:"
                                                                            + port
                                                                            + "/actuator/health/readiness"),
                                                            null)
                                                    .statusCode()
                                            == 200);
        }
    }

    private Process launch(Path jar, Path log, Map<String, String> environment) throws IOException {
        assertThat(jar).as("built by the reactor before this module").exists();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder =
                new ProcessBuilder(
                                java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
        builder.environment().put("SPRING_DATA_REDIS_URL", redis.uri());
        builder.environment().putAll(environment);
        return builder.start();
    }

    @AfterAll
    void stop() throws InterruptedException {
        for (Process process : processes) {
            process.destroy();
        }
        for (Process process : processes) {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (upstream != null) {
            upstream.stop();
        }
    }

    @Test
    void keyLifecycleThroughTheAdminApiIsHonouredByTheGateway() throws Exception {
        // create: 200 through the gateway, with the identity headers upstream
        JsonNode created =
                admin(
                        "POST",
                        "/v1/keys",
                        "{\"owner\":\"acct-e2e\",\"scopes\":[\"orders:read\"],\"organizations\":[\"acme\"]}",
                        201);
        String id = created.get("id").asString();
        String first = created.get("key").asString();
        assertThat(call(first).statusCode()).isEqualTo(200);
        List<LoggedRequest> forwarded = upstream.findAll(anyRequestedFor(anyUrl()));
        LoggedRequest last = forwarded.get(forwarded.size() - 1);
        assertThat(last.getHeader("X-Api-Key-Id")).isEqualTo(id);
        assertThat(last.getHeader("X-Api-Key-Owner")).isEqualTo("acct-e2e");
        assertThat(last.getHeader("X-Api-Key-Scopes")).isEqualTo("orders:read");
        assertThat(last.getHeader("X-Api-Key-Organizations")).isEqualTo("acme");
        assertThat(last.containsHeader("Authorization")).isFalse();

        // rotate: the old key is refused (the cached record replaced through pub/sub), the new one
        // works
        String second =
                admin("POST", "/v1/keys/" + id + "/rotate", null, 200).get("key").asString();
        Duration oldRefused = until(first, 401);
        System.out.printf(
                "[e2e/rotate] old key refused %d ms after the admin call returned%n",
                oldRefused.toMillis());
        assertThat(call(second).statusCode()).isEqualTo(200);

        // rotate with grace: both work until the instant, then only the new one, for good
        String third =
                admin(
                                "POST",
                                "/v1/keys/" + id + "/rotate",
                                "{\"gracePeriod\":\"" + GRACE + "\"}",
                                200)
                        .get("key")
                        .asString();
        HttpResponse<String> deprecated = call(second);
        assertThat(deprecated.statusCode()).isEqualTo(200);
        assertThat(deprecated.headers().firstValue("Deprecation")).isPresent();
        assertThat(deprecated.headers().firstValue("Sunset")).isPresent();
        assertThat(call(third).statusCode()).isEqualTo(200);
        await().atMost(GRACE.plus(BOUND))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> call(second).statusCode() == 401);
        for (int i = 0; i < 5; i++) {
            assertThat(call(second).statusCode()).as("after the grace period").isEqualTo(401);
        }
        assertThat(call(third).statusCode()).isEqualTo(200);

        // remove: refused (through pub/sub); removing again is 404
        admin("DELETE", "/v1/keys/" + id, null, 204);
        Duration removedRefused = until(third, 401);
        System.out.printf(
                "[e2e/remove] removed key refused %d ms after the admin call returned%n",
                removedRefused.toMillis());
        admin("DELETE", "/v1/keys/" + id, null, 404);

        // re-create for the same owner: a new id, accepted at once
        JsonNode again = admin("POST", "/v1/keys", "{\"owner\":\"acct-e2e\"}", 201);
        assertThat(again.get("id").asString()).isNotEqualTo(id);
        assertThat(call(again.get("key").asString()).statusCode()).isEqualTo(200);
    }

    @Test
    void disablingAndReEnablingAKeyTakesEffectOnTheGateway() throws Exception {
        JsonNode created = admin("POST", "/v1/keys", "{\"owner\":\"acct-e2e-2\"}", 201);
        String id = created.get("id").asString();
        String key = created.get("key").asString();
        assertThat(call(key).statusCode()).isEqualTo(200);
        admin("PATCH", "/v1/keys/" + id, "{\"enabled\":false}", 200);
        System.out.printf("[e2e/disable] refused after %d ms%n", until(key, 401).toMillis());
        admin("PATCH", "/v1/keys/" + id, "{\"enabled\":true}", 200);
        System.out.printf("[e2e/enable] accepted after %d ms%n", until(key, 200).toMillis());
    }

    /**
     * Calls the gateway with {@code key} every 10 ms until it answers {@code status} (at most
     * {@link #BOUND}); returns how long that took, for printing.
     */
    private Duration until(String key, int status) {
        long start = System.nanoTime();
        await("gateway answers " + status)
                .atMost(BOUND)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10))
                .pollInSameThread()
                .until(() -> call(key).statusCode() == status);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private HttpResponse<String> call(String key) throws IOException, InterruptedException {
        return get(URI.create("http://127.0.0.1:" + gatewayPort + "/orders"), key);
    }

    private HttpResponse<String> get(URI uri, String key) throws IOException, InterruptedException {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
        if (key != null) {
            request.header("X-Api-Key", key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode admin(String method, String path, String body, int expected) throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                        .timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + TOKEN)
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response =
                http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as("%s %s: %s", method, path, response.body())
                .isEqualTo(expected);
        return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
