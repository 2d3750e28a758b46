package dev.keygate.gateway.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.options;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.NewKey;
import dev.keygate.gateway.cache.InvalidationTracker;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.gateway.testing.Routes;
import dev.keygate.gateway.testing.TestGateway;
import dev.keygate.test.http.RawHttp;
import dev.keygate.test.http.RawHttp.Response;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import dev.keygate.test.redis.RespClient;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The door, attacked from outside: raw HTTP against the running gateway, a WireMock upstream that
 * records what it received, a real Redis. Each test is named after the attack it pins; each failed
 * on the code before the fix (security issue 13).
 *
 * <p>Routes: {@code /public/**} and {@code /status} public, {@code /orders/**} needing scope {@code
 * orders:read}, everything else protected. Query-parameter keys ({@code api_key}) are enabled.
 */
@ExtendWith(RedisExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayAttackTests {

    private static final Set<String> IDENTITY =
            Set.of(
                    "x-api-key-id",
                    "x-api-key-owner",
                    "x-api-key-scopes",
                    "x-api-key-organizations");

    @RegisterExtension
    static final GatewayFixture fixture =
            GatewayFixture.builder()
                    .sharedRedis()
                    .upstream(GatewayAttackTests::stubPreflights)
                    .routes(GatewayAttackTests::routes)
                    .build();

    private final RedisServer redis;
    private IssuedKey key;

    GatewayAttackTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeAll
    void mintTheAttackersKey() {
        key =
                fixture.keys()
                        .mint(
                                new NewKey(
                                        "acct-attacker",
                                        "attacker",
                                        Set.of("orders:read"),
                                        Set.of("acme"),
                                        null,
                                        Map.of()));
    }

    private static void stubPreflights(WireMockServer upstream) {
        upstream.stubFor(
                options(anyUrl())
                        .atPriority(1)
                        .willReturn(
                                aResponse()
                                        .withStatus(204)
                                        .withHeader(
                                                "Access-Control-Allow-Origin",
                                                "https://app.example")
                                        .withHeader("Access-Control-Allow-Methods", "POST")
                                        .withHeader("Access-Control-Max-Age", "600")));
        // an upstream that answers OPTIONS like GET, data included
        upstream.stubFor(
                options(urlEqualTo("/orders/secret"))
                        .atPriority(0)
                        .willReturn(
                                aResponse()
                                        .withStatus(200)
                                        .withHeader("Access-Control-Allow-Origin", "*")
                                        .withHeader("X-Total-Count", "42")
                                        .withHeader("Set-Cookie", "tracking=1")
                                        .withBody("secret-order-data")));
        upstream.stubFor(
                options(urlEqualTo("/orders/missing"))
                        .atPriority(0)
                        .willReturn(aResponse().withStatus(404).withBody("no such order")));
    }

    /** The routes, for an upstream at {@code uri}, and query-parameter keys on. */
    static Map<String, String> routes(String uri) {
        Map<String, String> properties =
                Routes.to(uri)
                        .route("public", "/public/**", "public", "true")
                        .route("status", "/status", "public", "true")
                        .route("orders", "/orders/**", "scopes", "orders:read")
                        .route("rest", "/**")
                        .properties();
        properties.put("keygate.gateway.credentials.query-parameters", "api_key");
        return properties;
    }

    // --- H1, H2: identity headers ---

    @Test
    void connectionHeaderCannotRemoveIdentity() throws IOException {
        for (String connection :
                List.of(
                        "keep-alive, X-Api-Key-Id, X-Api-Key-Owner, X-Api-Key-Scopes,"
                                + " X-Api-Key-Organizations",
                        // as Spring's tokenizer (the hop-by-hop filter's) reads them: quoted,
                        // escaped, with spaces inside the name
                        "keep-alive, \"X-Api-Key-Id\", \"X-Api-Key-Owner\", \"X-Api-Key-Scopes\","
                                + " \"X-Api-Key-Organizations\"",
                        "keep-alive, X-Api-Key- Id, X-Api-Key- Owner, X-Api-Key- Scopes,"
                                + " X-Api-Key- Organizations",
                        "keep-alive, \"X-Api-\\Key-Id\", \"X-Api-\\Key-Owner\"")) {
            fixture.upstream().resetRequests();
            Response response =
                    send(
                            "GET /hello HTTP/1.1",
                            "Authorization: Bearer " + key.key(),
                            "Connection: " + connection);

            assertThat(response.status()).as(connection).isEqualTo(200);
            LoggedRequest received = onlyRequest();
            assertThat(received.getHeader("X-Api-Key-Id"))
                    .as(connection)
                    .isEqualTo(key.record().id());
            assertThat(received.getHeader("X-Api-Key-Owner"))
                    .as(connection)
                    .isEqualTo("acct-attacker");
            assertThat(received.getHeader("X-Api-Key-Scopes"))
                    .as(connection)
                    .isEqualTo("orders:read");
            assertThat(received.getHeader("X-Api-Key-Organizations"))
                    .as(connection)
                    .isEqualTo("acme");
        }
        // what a caller names in Connection still does not go upstream (hop-by-hop), its own
        // headers only
        fixture.upstream().resetRequests();
        send(
                "GET /hello HTTP/1.1",
                "Authorization: Bearer " + key.key(),
                "X-Private: dropped",
                "Connection: \"X-Private\"");
        assertThat(onlyRequest().containsHeader("X-Private")).isFalse();
        assertThat(onlyRequest().containsHeader("Connection")).isFalse();
    }

    @Test
    void underscoreLookalikeIdentityHeadersNeverReachTheUpstream() throws IOException {
        send(
                "GET /hello HTTP/1.1",
                "Authorization: Bearer " + key.key(),
                "X_Api_Key_Owner: acct-victim",
                "x_api_key_organizations: globex",
                "X-Api-Key_Scopes: admin",
                "X_Forwarded_For: 10.0.0.1",
                "X-Real-IP: 6.6.6.6",
                "x_real_ip: 10.0.0.2",
                "Connection: X-Api-Key-Owner, X-Api-Key-Organizations");
        assertThat(onlyRequest().getHeaders().all())
                .noneMatch(header -> header.key().contains("_"));
        assertThat(onlyRequest().containsHeader("X-Real-IP")).isFalse();
        assertThat(identityLikeHeaders(onlyRequest()))
                .containsOnly(
                        Map.entry("X-Api-Key-Id", key.record().id()),
                        Map.entry("X-Api-Key-Owner", "acct-attacker"),
                        Map.entry("X-Api-Key-Scopes", "orders:read"),
                        Map.entry("X-Api-Key-Organizations", "acme"));

        fixture.upstream().resetRequests();
        assertThat(
                        send(
                                        "GET /status HTTP/1.1",
                                        "X_Api_Key_Owner: acct-victim",
                                        "X-API-KEY-ID: 3fKq9ZbT0aW",
                                        "X_API_KEY_ORGANIZATIONS: globex")
                                .status())
                .isEqualTo(200);
        assertThat(identityLikeHeaders(onlyRequest())).isEmpty();
    }

    // --- H4: path confusion past a public route ---

    @Test
    void dotSegmentsAndPathParametersCannotWalkFromAPublicRouteToAProtectedOne()
            throws IOException {
        for (String path :
                List.of(
                        "/public/../orders/1",
                        "/public/..;/orders/1",
                        "/public/%2e%2e/orders/1",
                        "/public/%2E%2E/orders/1",
                        "/public/..%2forders/1",
                        "/public/..%2Forders/1",
                        "/public/.%2e/orders/1",
                        "/public/./../orders/1",
                        "/public;x=1/../orders/1",
                        "/public/%2e%2e%5corders/1",
                        "/public/..%5c..%5corders/1",
                        "/public/%252e%252e/orders/1",
                        "/public/x%00/../../orders/1",
                        "//orders/1")) {
            Response response = send("GET " + path + " HTTP/1.1");
            assertThat(response.status()).as(path).isEqualTo(400);
            assertThat(response.header("content-type"))
                    .as(path)
                    .isEqualTo("application/problem+json");
            assertThat(response.body()).as(path).contains("rejected-request");
        }
        // a raw backslash may already be refused by Netty's request-line parser; either way, 400
        assertThat(send("GET /public/..\\orders/1 HTTP/1.1").status()).isEqualTo(400);
        assertThat(fixture.upstream().getAllServeEvents()).isEmpty();

        // canonical paths still work
        assertThat(send("GET /public/readme.txt HTTP/1.1").status()).isEqualTo(200);
        assertThat(send("GET /orders/1 HTTP/1.1").status()).isEqualTo(401);
    }

    @Test
    void encodedSlashesCanBeAllowedButDotSegmentsStayRefused() throws IOException {
        Map<String, String> properties = new LinkedHashMap<>(routes(fixture.upstreamUri()));
        properties.put("spring.data.redis.url", redis.uri());
        properties.put("keygate.gateway.firewall.allow-url-encoded-slash", "true");
        try (TestGateway allowing = TestGateway.start(properties)) {
            assertThat(RawHttp.send(allowing.port(), "GET /public/a%2Fb HTTP/1.1").status())
                    .isEqualTo(200);
            assertThat(fixture.upstream().getAllServeEvents().get(0).getRequest().getUrl())
                    .isEqualTo("/public/a%2Fb");
            assertThat(RawHttp.send(allowing.port(), "GET /public/..%2forders/1 HTTP/1.1").status())
                    .isEqualTo(400);
            assertThat(RawHttp.send(allowing.port(), "GET /public/..;/orders/1 HTTP/1.1").status())
                    .isEqualTo(400);
        }
        assertThat(fixture.upstream().getAllServeEvents()).hasSize(1);
    }

    // --- L2: the credential never reaches the upstream ---

    @Test
    void encodedQueryParameterNamesTabsAndPublicRoutesDoNotLeakTheKey() throws IOException {
        assertThat(send("GET /hello?api%5Fkey=" + key.key() + "&page=2 HTTP/1.1").status())
                .isEqualTo(200);
        // names as Spring reads them: a leading '=' is skipped
        assertThat(
                        send("GET /hello?==api_key="
                                        + key.key()
                                        + "&x=1&&=api_key="
                                        + key.key()
                                        + " HTTP/1.1")
                                .status())
                .isEqualTo(200);
        assertThat(
                        send("GET /hello?api_key="
                                        + key.key()
                                        + "&api%5fkey="
                                        + key.key()
                                        + " HTTP/1.1")
                                .status())
                .isEqualTo(200);
        assertThat(send("GET /hello HTTP/1.1", "Authorization: Bearer\t" + key.key()).status())
                .isEqualTo(200);
        assertThat(
                        send(
                                        "GET /status?api_key=" + key.key() + " HTTP/1.1",
                                        "Authorization: Bearer " + key.key(),
                                        "X-Api-Key: " + key.key(),
                                        "X_Api_Key: " + key.key())
                                .status())
                .isEqualTo(200);

        List<LoggedRequest> received =
                fixture.upstream().getAllServeEvents().stream().map(e -> e.getRequest()).toList();
        assertThat(received).hasSize(5);
        for (LoggedRequest request : received) {
            assertThat(request.getUrl()).doesNotContain(key.key());
            for (HttpHeader header : request.getHeaders().all()) {
                assertThat(header.values())
                        .as(header.key())
                        .allSatisfy(value -> assertThat(value).doesNotContain(key.key()));
            }
        }
        // newest first: the first request kept its other parameter, raw
        assertThat(received.get(4).getUrl()).isEqualTo("/hello?page=2");
        assertThat(received.get(3).getUrl()).startsWith("/hello?x=1");
    }

    // --- L12: CORS preflights reach the upstream's own CORS policy ---

    @Test
    void corsPreflightIsAnsweredByTheUpstreamWithoutAKey() throws IOException {
        Response response =
                send(
                        "OPTIONS /orders/1 HTTP/1.1",
                        "Origin: https://app.example",
                        "Access-Control-Request-Method: POST",
                        "X-Api-Key: " + key.key());

        assertThat(response.status()).isEqualTo(204);
        assertThat(response.header("access-control-allow-origin")).isEqualTo("https://app.example");
        assertThat(response.header("access-control-allow-methods")).isEqualTo("POST");
        LoggedRequest received = onlyRequest();
        assertThat(received.getMethod().getName()).isEqualTo("OPTIONS");
        assertThat(received.getHeader("Access-Control-Request-Method")).isEqualTo("POST");
        assertThat(received.getHeader("Origin")).isEqualTo("https://app.example");
        assertThat(received.containsHeader("X-Api-Key")).isFalse();

        // a plain OPTIONS is no preflight: it needs a key
        assertThat(send("OPTIONS /orders/1 HTTP/1.1").status()).isEqualTo(401);

        // a key-less preflight carries nothing a handler could act on, and only the CORS answer
        // comes back: no body, no other header, no status but 2xx or 403
        fixture.upstream().resetRequests();
        Response leaky =
                send(
                        "OPTIONS /orders/secret?confirm=yes HTTP/1.1",
                        "Origin: https://evil.example",
                        "Access-Control-Request-Method: GET",
                        "Cookie: session=victim",
                        "Authorization: Basic dXNlcjpwYXNz",
                        "X-HTTP-Method-Override: DELETE");
        assertThat(leaky.status()).isEqualTo(200);
        assertThat(leaky.header("access-control-allow-origin")).isEqualTo("*");
        assertThat(leaky.header("x-total-count")).isNull();
        assertThat(leaky.header("set-cookie")).isNull();
        assertThat(leaky.body()).isEmpty();
        LoggedRequest preflight = onlyRequest();
        assertThat(preflight.getUrl()).isEqualTo("/orders/secret");
        assertThat(preflight.containsHeader("Cookie")).isFalse();
        assertThat(preflight.containsHeader("Authorization")).isFalse();
        assertThat(preflight.containsHeader("X-HTTP-Method-Override")).isFalse();
        assertThat(preflight.getHeader("Access-Control-Request-Method")).isEqualTo("GET");

        fixture.upstream().resetRequests();
        Response missing =
                send(
                        "OPTIONS /orders/missing HTTP/1.1",
                        "Origin: https://evil.example",
                        "Access-Control-Request-Method: GET");
        assertThat(missing.status()).isEqualTo(403);
        // a malformed "preflight" is no preflight: WebFlux answers it, nothing goes upstream
        fixture.upstream().resetRequests();
        assertThat(
                        send(
                                        "OPTIONS /orders/1 HTTP/1.1",
                                        "Origin: https://app.example",
                                        "Access-Control-Request-Method: POST",
                                        "Content-Length: 5",
                                        "",
                                        "hello")
                                .status())
                .isIn(200, 401);
        assertThat(fixture.upstream().getAllServeEvents()).isEmpty();
    }

    // --- L13: a replaced Redis is noticed even when its epoch looks the same ---

    @Test
    void aReplacedRedisWithTheSameEpochIsNoticedAndItsCacheFlushed() throws IOException {
        IssuedKey cached = fixture.keys().mint("acct-replaced");
        await().atMost(Duration.ofSeconds(5))
                .until(
                        () ->
                                send("GET /hello HTTP/1.1", "X-Api-Key: " + cached.key()).status()
                                        == 200);

        // the gateway knows this store's incarnation (written by its first change) once a poll
        // has read an epoch at least the key's; only then can another store be told from it
        InvalidationTracker tracker = fixture.gateway().bean(InvalidationTracker.class);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> tracker.confirmedEpoch() >= cached.epoch());

        // another store, same epoch: the key is not in it, nothing is announced (no message, no
        // gap)
        try (RespClient resp = RespClient.connect(redis.host(), redis.port())) {
            resp.command(
                    "EVAL",
                    "redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) return 1",
                    "3",
                    "kg:key:{" + cached.record().id() + "}",
                    "kg:owner:{acct-replaced}",
                    "kg:incarnation:{kg:epoch}");
        }

        await().atMost(Duration.ofSeconds(10))
                .until(
                        () ->
                                send("GET /hello HTTP/1.1", "X-Api-Key: " + cached.key()).status()
                                        == 401);
    }

    // --- helpers ---

    private LoggedRequest onlyRequest() {
        assertThat(fixture.upstream().getAllServeEvents()).hasSize(1);
        return fixture.upstream().getAllServeEvents().get(0).getRequest();
    }

    /** Headers whose name, with '_' read as '-' and case ignored, is an identity header. */
    private static Map<String, String> identityLikeHeaders(LoggedRequest request) {
        Map<String, String> found = new LinkedHashMap<>();
        for (HttpHeader header : request.getHeaders().all()) {
            if (IDENTITY.contains(header.key().toLowerCase(Locale.ROOT).replace('_', '-'))) {
                found.put(header.key(), String.join(",", header.values()));
            }
        }
        return found;
    }

    private Response send(String requestLine, String... headers) throws IOException {
        return RawHttp.send(fixture.gateway().port(), requestLine, headers);
    }
}
