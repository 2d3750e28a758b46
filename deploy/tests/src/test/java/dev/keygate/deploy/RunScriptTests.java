package dev.keygate.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keygate.test.redis.RespClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs {@code deploy/local/run.sh} for real, as a user would, on free loopback ports: waits for it
 * to say it is ready, creates a key through the admin API, calls the demo backend through the
 * gateway, removes the key, checks the metrics the dashboard and alerts query, then sends SIGTERM
 * and checks that nothing it started is left. The script uses its embedded Redis here (even where a
 * {@code redis-server} is on the PATH), since that is the path a fresh machine takes; the build has
 * already put WireMock and the embedded Redis artifact into its run directory, so nothing is
 * fetched.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RunScriptTests {

    private static final String TOKEN = "run-sh-test-token-0123456789abcdef";
    private static final Duration START_LIMIT = Duration.ofSeconds(240);
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private Path runDir;
    private Path output;
    private Process script;
    private final Map<String, Long> pids = new LinkedHashMap<>();

    @BeforeAll
    void startScript() throws Exception {
        runDir =
                Path.of(System.getProperty("keygate.run-sh.dir", "target/run-sh")).toAbsolutePath();
        Files.createDirectories(runDir);
        output = runDir.resolve("run.out");
        for (String name :
                List.of(
                        "KEYGATE_GATEWAY_PORT",
                        "KEYGATE_GATEWAY_MANAGEMENT_PORT",
                        "KEYGATE_ADMIN_PORT",
                        "KEYGATE_ADMIN_MANAGEMENT_PORT",
                        "KEYGATE_REDIS_PORT",
                        "KEYGATE_DEMO_PORT",
                        "KEYGATE_PORTAL_PORT",
                        "KEYGATE_PORTAL_MANAGEMENT_PORT",
                        "KEYGATE_DEMO_IDP_PORT")) {
            ports.put(name, freePort());
        }
        ProcessBuilder builder =
                new ProcessBuilder("bash", DeployFiles.deploy("local/run.sh").toString())
                        .directory(DeployFiles.repo().toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile());
        Map<String, String> env = builder.environment();
        env.remove("REDIS_URL");
        env.remove("KEYGATE_UPSTREAM_URI");
        ports.forEach((name, port) -> env.put(name, String.valueOf(port)));
        env.put("KEYGATE_RUN_DIR", runDir.toString());
        env.put("KEYGATE_ADMIN_TOKEN", TOKEN);
        env.put("KEYGATE_EMBEDDED_REDIS", "1");
        env.put("KEYGATE_MAVEN_ARGS", "-o");
        env.put("KEYGATE_START_TIMEOUT", String.valueOf(START_LIMIT.toSeconds()));
        env.put("KEYGATE_STOP_TIMEOUT", "20");
        script = builder.start();

        // generous: run.sh's own start timeout, plus a margin for a loaded machine
        try {
            await("run.sh ready")
                    .atMost(START_LIMIT.plusSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .failFast("run.sh exited before it was ready", () -> !script.isAlive())
                    .until(() -> output().contains("Keygate is ready"));
        } catch (ConditionTimeoutException | TerminalFailureException ex) {
            throw new AssertionError(
                    "run.sh not ready (exit "
                            + exitValue()
                            + "):"
                            + System.lineSeparator()
                            + output(),
                    ex);
        }
        try (Stream<Path> files = Files.list(runDir.resolve("pids"))) {
            for (Path file : files.toList()) {
                pids.put(
                        file.getFileName().toString().replace(".pid", ""),
                        Long.parseLong(Files.readString(file).trim()));
            }
        }
    }

    @Test
    @Order(1)
    void startsEveryPartOnTheChosenPortsAndPrintsTheToken() {
        assertThat(pids)
                .containsOnlyKeys(
                        "redis", "demo-backend", "admin-api", "gateway", "demo-idp", "portal");
        assertThat(output())
                .contains(TOKEN)
                .contains("  portal     http://127.0.0.1:" + ports.get("KEYGATE_PORTAL_PORT"))
                .contains("  demo sign-in  demo / demo-password")
                .contains(
                        "  console    http://127.0.0.1:"
                                + ports.get("KEYGATE_ADMIN_PORT")
                                + "/console")
                .contains("embedded Redis from com.github.codemonstur:embedded-redis:")
                .contains(runDir.resolve("logs").toString());
        ports.values().forEach(port -> assertThat(listening(port)).as("port %s", port).isTrue());
    }

    @Test
    @Order(1)
    void itsRedisLetsNobodyInWithoutAPasswordAndKeepsNoneInItsFiles() throws Exception {
        int redisPort = ports.get("KEYGATE_REDIS_PORT");
        try (RespClient anonymous = RespClient.connect("127.0.0.1", redisPort)) {
            assertThat(anonymous.command("PING")).isEqualTo("PONG");
            for (String[] write :
                    List.of(
                            new String[] {"HSET", "kg:key:{AAAAAAAAAAA}", "owner", "victim"},
                            new String[] {"PUBLISH", "kg:invalidations", "1 *"},
                            new String[] {"KEYS", "*"})) {
                assertThatThrownBy(() -> anonymous.command(write))
                        .as(String.join(" ", write))
                        .hasMessageContaining("NOPERM");
            }
        }
        String acl = Files.readString(runDir.resolve("redis/users.acl"));
        assertThat(acl).contains("user keygate-gateway on #").contains("user keygate-admin on #");
        assertThat(output()).doesNotContain("REDIS_PASSWORD=");
    }

    @Test
    @Order(2)
    void aKeyCreatedThroughTheAdminApiOpensTheGatewayUntilItIsRemoved() throws Exception {
        HttpResponse<String> created =
                send(
                        HttpRequest.newBuilder(admin("/v1/keys"))
                                .header("Authorization", "Bearer " + TOKEN)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"owner\":\"ci\"}")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode body = JSON.readTree(created.body());
        String key = body.get("key").asString();
        String id = body.get("id").asString();

        HttpResponse<String> allowed = send(gatewayCall("/hello", key));
        assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
        assertThat(allowed.body()).contains("Hello from the Keygate demo backend").contains(id);
        // the backend's own root answers a newcomer with directions, not WireMock's 403 page
        HttpResponse<String> root =
                send(
                        HttpRequest.newBuilder(
                                URI.create(
                                        "http://127.0.0.1:"
                                                + ports.get("KEYGATE_DEMO_PORT")
                                                + "/")));
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(root.body()).contains("Keygate demo backend", "/hello");
        assertThat(send(gatewayCall("/", key)).statusCode()).isEqualTo(200);
        assertThat(send(gatewayCall("/orders", key)).statusCode()).isEqualTo(200);
        assertThat(send(HttpRequest.newBuilder(gateway("/hello")).GET()).statusCode())
                .isEqualTo(401);

        HttpResponse<String> removed =
                send(
                        HttpRequest.newBuilder(admin("/v1/keys/" + id))
                                .header("Authorization", "Bearer " + TOKEN)
                                .DELETE());
        assertThat(removed.statusCode()).isEqualTo(204);
        // Revocation is pushed to the gateway; allow for the message to travel.
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> send(gatewayCall("/hello", key)).statusCode() == 401);
    }

    @Test
    @Order(2)
    void thePortalSignsInWithTheDemoProviderUsingPkce() throws Exception {
        String portal = "http://127.0.0.1:" + ports.get("KEYGATE_PORTAL_PORT");
        String provider = "http://127.0.0.1:" + ports.get("KEYGATE_DEMO_IDP_PORT");
        HttpResponse<String> console = send(HttpRequest.newBuilder(admin("/console/sign-in")));
        assertThat(console.statusCode()).isEqualTo(200);
        assertThat(console.body()).contains("Admin token");
        HttpResponse<String> landing = send(HttpRequest.newBuilder(URI.create(portal + "/")));
        assertThat(landing.statusCode()).isEqualTo(200);
        assertThat(landing.body()).contains("/oauth2/authorization/keygate");
        HttpResponse<String> signIn =
                send(HttpRequest.newBuilder(URI.create(portal + "/oauth2/authorization/keygate")));
        assertThat(signIn.statusCode()).isEqualTo(302);
        assertThat(signIn.headers().firstValue("Location").orElseThrow())
                .startsWith(provider + "/oauth2/authorize?")
                .contains("client_id=keygate-portal")
                .contains("code_challenge_method=S256")
                .contains("redirect_uri=" + portal + "/login/oauth2/code/keygate");
    }

    @Test
    @Order(3)
    void theThreePrintedCurlLinesWorkAsPrinted() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                new ProcessBuilder("sh", "-c", "command -v curl").start().waitFor() == 0,
                "curl is not installed");
        List<String> lines =
                output().lines()
                        .filter(l -> l.startsWith("KEY=") || l.startsWith("curl "))
                        .toList();
        assertThat(lines).hasSize(3);
        String session =
                String.join("\n", lines.get(0), lines.get(1), lines.get(2), lines.get(1)) + "\n";
        Process bash = new ProcessBuilder("bash", "-c", session).redirectErrorStream(true).start();
        assertThat(bash.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String transcript = new String(bash.getInputStream().readAllBytes());
        List<String> statuses = new ArrayList<>();
        Matcher m = Pattern.compile("HTTP/1\\.1 (\\d{3}) ").matcher(transcript);
        while (m.find()) {
            statuses.add(m.group(1));
        }
        // call 200, remove 204, call again 401 (pub/sub revocation lands within milliseconds)
        assertThat(statuses).as(transcript).containsExactly("200", "204", "401");
        assertThat(transcript).containsPattern("(?m)^kg_[0-9A-Za-z]{11}_[0-9A-Za-z]{36}$");
    }

    @Test
    @Order(4)
    void everyMetricTheDashboardAndAlertsQueryIsExported() throws Exception {
        // One refused admin call, so the admin API's lazily registered failure counter exists.
        send(HttpRequest.newBuilder(admin("/v1/keys?owner=x")).GET());
        Set<String> exported = new TreeSet<>();
        List<String> series = new ArrayList<>();
        exported.add("up"); // Prometheus' own
        for (String port :
                List.of("KEYGATE_GATEWAY_MANAGEMENT_PORT", "KEYGATE_ADMIN_MANAGEMENT_PORT")) {
            HttpResponse<String> scrape =
                    send(HttpRequest.newBuilder(local(ports.get(port), "/actuator/prometheus")));
            assertThat(scrape.statusCode()).isEqualTo(200);
            scrape.body()
                    .lines()
                    .filter(l -> !l.startsWith("#") && !l.isBlank())
                    .peek(series::add)
                    .map(l -> l.split("[{ ]", 2)[0])
                    .forEach(exported::add);
        }
        Files.write(runDir.resolve("exported-metrics.txt"), exported);

        Set<String> queried = new TreeSet<>();
        List<String> expressions = new ArrayList<>();
        JsonNode dashboard =
                JSON.readTree(
                        DeployFiles.read(DeployFiles.deploy("grafana/keygate-dashboard.json")));
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                expressions.add(target.get("expr").asString());
            }
        }
        for (JsonNode variable : dashboard.at("/templating/list")) {
            Matcher m =
                    Pattern.compile("label_values\\((\\w+)")
                            .matcher(variable.path("definition").asString(""));
            if (m.find()) {
                queried.add(m.group(1));
            }
        }
        for (Object document :
                DeployFiles.yamlDocuments(DeployFiles.deploy("compose/prometheus/alerts.yml"))) {
            for (Object group : (List<?>) ((Map<?, ?>) document).get("groups")) {
                for (Object rule : (List<?>) ((Map<?, ?>) group).get("rules")) {
                    expressions.add(String.valueOf(((Map<?, ?>) rule).get("expr")));
                }
            }
        }
        expressions.forEach(e -> queried.addAll(DeployFiles.metricsIn(e)));
        assertThat(queried).contains("keygate_auth_total", "keygate_store_load_seconds_bucket");
        assertThat(exported).containsAll(queried);

        // Exact label matchers name label values the services really emit (job and instance are
        // Prometheus' labels, $variables are Grafana's).
        Pattern selector = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)}");
        Pattern exact = Pattern.compile("(\\w+)=\"([^\"$]*)\"");
        for (String expression : expressions) {
            Matcher m = selector.matcher(expression);
            while (m.find()) {
                String metric = m.group(1);
                Matcher label = exact.matcher(m.group(2));
                while (label.find()) {
                    String matcher = label.group(1) + "=\"" + label.group(2) + "\"";
                    if (List.of("job", "instance").contains(label.group(1))) {
                        continue;
                    }
                    assertThat(series)
                            .as("%s{%s} in %s", metric, matcher, expression)
                            .anyMatch(l -> l.startsWith(metric + "{") && l.contains(matcher));
                }
            }
        }
    }

    @Test
    @Order(5)
    void sigtermStopsEverythingItStarted() throws Exception {
        List<ProcessHandle> descendants = script.toHandle().descendants().toList();
        assertThat(descendants).extracting(ProcessHandle::pid).containsAll(pids.values());
        signal("TERM", script.pid());
        if (!script.waitFor(60, TimeUnit.SECONDS)) {
            // Say what the script was doing, then give it a second SIGTERM, then fail anyway.
            String state = procState(script.pid());
            signal("TERM", script.pid());
            boolean second = script.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError(
                    "run.sh did not stop within 60 s of SIGTERM (a second SIGTERM "
                            + (second ? "stopped it" : "did not stop it either")
                            + ")\nstate then: "
                            + state
                            + "\noutput:\n"
                            + output());
        }
        assertThat(script.exitValue()).isEqualTo(143);
        assertThat(output()).contains("run.sh: stopped");
        pids.forEach(
                (name, pid) ->
                        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                                .as("%s (pid %s) still running", name, pid)
                                .isFalse());
        ports.forEach(
                (name, port) -> assertThat(listening(port)).as("%s %s", name, port).isFalse());
        assertThat(descendants).noneMatch(ProcessHandle::isAlive);
        assertThat(runDir.resolve("pids")).isEmptyDirectory();
    }

    @AfterAll
    void leaveNothingRunning() throws InterruptedException {
        if (script != null && script.isAlive()) {
            script.destroy();
            if (!script.waitFor(60, TimeUnit.SECONDS)) {
                script.destroyForcibly();
            }
        }
        for (long pid : pids.values()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static void signal(String name, long pid) throws IOException, InterruptedException {
        Process kill =
                new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * Signal masks, wait channel and children of a process, from /proc (Linux), for a failure
     * message.
     */
    private static String procState(long pid) {
        StringBuilder state = new StringBuilder();
        try {
            Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(l -> l.matches("(State|Sig|Shd).*"))
                    .forEach(l -> state.append(l).append("; "));
            state.append("wchan=").append(Files.readString(Path.of("/proc/" + pid + "/wchan")));
        } catch (IOException e) {
            state.append(e);
        }
        ProcessHandle.of(pid)
                .ifPresent(
                        p ->
                                p.children()
                                        .forEach(
                                                c ->
                                                        state.append("; child ")
                                                                .append(c.pid())
                                                                .append(' ')
                                                                .append(
                                                                        c.info()
                                                                                .commandLine()
                                                                                .orElse("?"))));
        return state.toString();
    }

    private HttpRequest.Builder gatewayCall(String path, String key) {
        return HttpRequest.newBuilder(gateway(path)).header("Authorization", "Bearer " + key).GET();
    }

    private URI gateway(String path) {
        return local(ports.get("KEYGATE_GATEWAY_PORT"), path);
    }

    private URI admin(String path) {
        return local(ports.get("KEYGATE_ADMIN_PORT"), path);
    }

    private static URI local(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request)
            throws IOException, InterruptedException {
        return http.send(
                request.timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String output() {
        try {
            return Files.exists(output) ? Files.readString(output) : "";
        } catch (IOException e) {
            return "<unreadable: " + e + ">";
        }
    }

    private String exitValue() {
        return script.isAlive() ? "running" : String.valueOf(script.exitValue());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
