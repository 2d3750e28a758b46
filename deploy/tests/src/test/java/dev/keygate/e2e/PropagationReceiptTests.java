package dev.keygate.e2e;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Propagation receipts with three gateways, each a real process (its {@code exec} jar) on one real
 * Redis, and the admin API as a fourth. The gateways' epoch poll is an hour and their cached
 * entries live an hour, so a gateway can only confirm a change through the invalidation channel:
 * what a receipt reports is what pub/sub delivered and the gateway applied.
 *
 * <p>In order: all three confirm every change, and a removed key that every gateway had cached is
 * refused by each of them as soon as the answer says {@code Confirmed == Gateways}; a gateway
 * frozen with SIGSTOP is named in {@code Lagging} while the admin call returns after its timeout,
 * and confirms once thawed; a gateway killed with SIGKILL leaves the live list when its heartbeat
 * expires and then holds up nothing.
 */
@ExtendWith(RedisExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class PropagationReceiptTests {

    private static final String TOKEN = "e2e-admin-token-0123456789abcdef";
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final List<String> NODES = List.of("gw-a", "gw-b", "gw-c");

    /** keygate.admin.propagation.timeout of the admin API under test. */
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    /** keygate.gateway.node.ttl of the gateways under test. */
    private static final Duration NODE_TTL = Duration.ofSeconds(4);

    /**
     * What an answer may take beyond the timeout on a loaded 2-core machine: a generous bound of
     * "returns", not a latency figure (the benchmark measures those).
     */
    private static final Duration MARGIN = Duration.ofSeconds(2);

    private final RedisServer redis;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Process> processes = new ArrayList<>();
    private final Map<String, Process> gateways = new LinkedHashMap<>();
    private final Map<String, Integer> gatewayPorts = new LinkedHashMap<>();
    private WireMockServer upstream;
    private int adminPort;

    PropagationReceiptTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeAll
    void start() throws Exception {
        upstream = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        upstream.start();
        upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("{}")));
        Path repo = Path.of("../..").toAbsolutePath().normalize();
        Path logs = Files.createDirectories(Path.of("target/e2e-logs"));
        List<Integer> managementPorts = new ArrayList<>();
        adminPort = freePort();
        int adminManagement = freePort();
        managementPorts.add(adminManagement);
        processes.add(
                launch(
                        repo.resolve("admin-api/target/keygate-admin-api-0.1.0-SNAPSHOT-exec.jar"),
                        logs.resolve("receipts-admin-api.log"),
                        Map.of(
                                "SERVER_PORT", Integer.toString(adminPort),
                                "MANAGEMENT_SERVER_PORT", Integer.toString(adminManagement),
                                "KEYGATE_ADMIN_TOKEN", TOKEN,
                                "KEYGATE_ADMIN_PROPAGATION_TIMEOUT", TIMEOUT.toString())));
        for (String node : NODES) {
            int port = freePort();
            int management = freePort();
            managementPorts.add(management);
            Process gateway =
                    launch(
                            repo.resolve("gateway/target/keygate-gateway-0.1.0-SNAPSHOT-exec.jar"),
                            logs.resolve("receipts-" + node + ".log"),
                            Map.of(
                                    "SERVER_PORT",
                                    Integer.toString(port),
                                    "MANAGEMENT_SERVER_PORT",
                                    Integer.toString(management),
                                    "KEYGATE_GATEWAY_UPSTREAM_URI",
                                    "http://127.0.0.1:" + upstream.port(),
                                    "KEYGATE_GATEWAY_NODE_ID",
                                    node,
                                    "KEYGATE_GATEWAY_NODE_TTL",
                                    NODE_TTL.toString(),
                                    "KEYGATE_GATEWAY_INVALIDATION_POLL_INTERVAL",
                                    "1h",
                                    "KEYGATE_GATEWAY_INVALIDATION_MAX_STALENESS",
                                    "2h",
                                    "KEYGATE_GATEWAY_CACHE_MAX_AGE",
                                    "1h"));
            processes.add(gateway);
            gateways.put(node, gateway);
            gatewayPorts.put(node, port);
        }
        for (int port : managementPorts) {
            await().atMost(Duration.ofMinutes(4))
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
        await("every gateway registered")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> liveGateways().equals(NODES));
    }

    @AfterAll
    void stop() throws InterruptedException {
        for (Process process : processes) {
            signal("CONT", process);
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
    @Order(1)
    void receiptsListEveryHealthyGatewayAndARemovedKeyIsRefusedEverywhereOnceConfirmed()
            throws Exception {
        HttpResponse<String> created =
                admin("POST", "/v1/keys", "{\"owner\":\"acct-receipts\"}", 201);
        assertComplete(created);
        JsonNode body = JSON.readTree(created.body());
        assertThat(body.get("propagation").get("gateways").asInt()).isEqualTo(3);
        assertThat(body.get("propagation").get("confirmed").asInt()).isEqualTo(3);
        assertThat(body.get("propagation").get("lagging").size()).isZero();
        assertThat(body.get("propagation").get("epoch").asLong()).isEqualTo(epochOf(created));
        String id = body.get("id").asString();
        String key = body.get("key").asString();
        for (String node : NODES) {
            // cached on every gateway (their records live an hour)
            assertThat(call(node, key).statusCode()).as(node).isEqualTo(200);
        }

        HttpResponse<String> updated =
                admin("PATCH", "/v1/keys/" + id, "{\"name\":\"renamed\"}", 200);
        assertComplete(updated);
        assertThat(JSON.readTree(updated.body()).get("propagation").get("confirmed").asInt())
                .isEqualTo(3);

        HttpResponse<String> removed = admin("DELETE", "/v1/keys/" + id, null, 204);
        assertComplete(removed);
        // zero window after the acknowledgement: no retry, no wait
        for (String node : NODES) {
            assertThat(call(node, key).statusCode()).as(node).isEqualTo(401);
        }
        JsonNode change = adminJson("GET", "/v1/changes/" + epochOf(removed), null, 200);
        assertThat(change.get("keyId").asString()).isEqualTo(id);
        assertThat(change.get("confirmed").asInt()).isEqualTo(3);
        assertThat(change.get("lagging").size()).isZero();

        JsonNode fleet = adminJson("GET", "/v1/gateways", null, 200);
        assertThat(fleet.get("gateways").size()).isEqualTo(3);
        for (JsonNode gateway : fleet.get("gateways")) {
            assertThat(gateway.get("appliedEpoch").asLong())
                    .isGreaterThanOrEqualTo(epochOf(removed));
            assertThat(gateway.get("lag").asLong()).isZero();
            assertThat(gateway.get("version").asString()).isNotBlank();
            assertThat(gateway.has("cacheSize")).isTrue();
            assertThat(gateway.get("hitRatio").asDouble()).isBetween(0.0, 1.0);
        }
    }

    @Test
    @Order(2)
    void aFrozenGatewayIsNamedLaggingAndTheAnswerStillComesAfterTheTimeout() throws Exception {
        JsonNode created = adminJson("POST", "/v1/keys", "{\"owner\":\"acct-frozen\"}", 201);
        String id = created.get("id").asString();
        Process frozen = gateways.get("gw-c");
        signal("STOP", frozen);
        try {
            long start = System.nanoTime();
            HttpResponse<String> rotated = admin("POST", "/v1/keys/" + id + "/rotate", null, 200);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(rotated.headers().firstValue("Keygate-Propagation-Gateways")).hasValue("3");
            assertThat(rotated.headers().firstValue("Keygate-Propagation-Confirmed")).hasValue("2");
            assertThat(rotated.headers().firstValue("Keygate-Propagation-Lagging"))
                    .hasValue("gw-c");
            assertThat(waitedMs(rotated)).isGreaterThanOrEqualTo(TIMEOUT.toMillis());
            assertThat(took).isLessThan(TIMEOUT.plus(MARGIN));
            JsonNode propagation = JSON.readTree(rotated.body()).get("propagation");
            assertThat(propagation.get("lagging").get(0).asString()).isEqualTo("gw-c");

            // ?wait=false answers with what is known, without waiting for gw-c
            HttpResponse<String> renamed =
                    admin("PATCH", "/v1/keys/" + id + "?wait=false", "{\"name\":\"cold\"}", 200);
            assertThat(renamed.headers().firstValue("Keygate-Propagation-Lagging"))
                    .hasValueSatisfying(lagging -> assertThat(lagging).contains("gw-c"));
            assertThat(waitedMs(renamed)).isLessThan(TIMEOUT.toMillis());

            JsonNode later = adminJson("GET", "/v1/changes/" + epochOf(rotated), null, 200);
            assertThat(later.get("lagging").toString()).contains("gw-c");
        } finally {
            signal("CONT", frozen);
        }
        long epoch = adminJson("GET", "/v1/gateways", null, 200).get("epoch").asLong();
        await("the thawed gateway confirms")
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(
                        () ->
                                assertThat(
                                                adminJson("GET", "/v1/changes/" + epoch, null, 200)
                                                        .get("confirmed")
                                                        .asInt())
                                        .isEqualTo(3));
    }

    @Test
    @Order(3)
    void aKilledGatewayLeavesTheLiveListWhenItsHeartbeatExpiresAndHoldsUpNothing()
            throws Exception {
        Process killed = gateways.get("gw-c");
        killed.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        long killedAt = System.nanoTime();
        await("gw-c leaves the live list")
                .atMost(NODE_TTL.plusSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> liveGateways().equals(List.of("gw-a", "gw-b")));
        System.out.printf(
                "[receipts] killed gateway left the live list %d ms after SIGKILL (ttl %s)%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt), NODE_TTL);
        HttpResponse<String> created =
                admin("POST", "/v1/keys", "{\"owner\":\"acct-after-kill\"}", 201);
        assertThat(created.headers().firstValue("Keygate-Propagation-Gateways")).hasValue("2");
        assertComplete(created);
        assertThat(waitedMs(created)).isLessThan(TIMEOUT.toMillis());
    }

    private static void assertComplete(HttpResponse<String> response) {
        String gateways = response.headers().firstValue("Keygate-Propagation-Gateways").orElse("");
        assertThat(response.headers().firstValue("Keygate-Propagation-Confirmed"))
                .as("confirmed of %s", gateways)
                .hasValue(gateways);
        assertThat(response.headers().firstValue("Keygate-Propagation-Lagging")).isEmpty();
        assertThat(response.headers().firstValue("Keygate-Propagation-Epoch")).isPresent();
        System.out.printf(
                "[receipts] %s confirmed by %s gateways after %d ms%n",
                response.request().method(), gateways, waitedMs(response));
    }

    private static long epochOf(HttpResponse<String> response) {
        return Long.parseLong(response.headers().firstValue("Keygate-Propagation-Epoch").get());
    }

    private static long waitedMs(HttpResponse<String> response) {
        return Long.parseLong(
                response.headers().firstValue("Keygate-Propagation-Waited-Ms").orElseThrow());
    }

    private List<String> liveGateways() throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode gateway : adminJson("GET", "/v1/gateways", null, 200).get("gateways")) {
            ids.add(gateway.get("id").asString());
        }
        return ids;
    }

    private static void signal(String name, Process process) {
        try {
            new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .inheritIO()
                    .start()
                    .waitFor(10, TimeUnit.SECONDS);
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
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

    private HttpResponse<String> call(String node, String key)
            throws IOException, InterruptedException {
        return get(URI.create("http://127.0.0.1:" + gatewayPorts.get(node) + "/orders"), key);
    }

    private HttpResponse<String> get(URI uri, String key) throws IOException, InterruptedException {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
        if (key != null) {
            request.header("X-Api-Key", key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode adminJson(String method, String path, String body, int expected)
            throws Exception {
        HttpResponse<String> response = admin(method, path, body, expected);
        return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }

    private HttpResponse<String> admin(String method, String path, String body, int expected)
            throws Exception {
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
        return response;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
