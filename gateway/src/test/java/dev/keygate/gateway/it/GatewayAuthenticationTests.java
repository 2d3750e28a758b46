package dev.keygate.gateway.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.KeyUpdate;
import dev.keygate.core.store.NewKey;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.gateway.testing.Probe;
import dev.keygate.gateway.testing.Routes;
import dev.keygate.test.http.RawHttp;
import dev.keygate.test.time.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.HttpMethod;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Every outcome of the request path, through the runnable gateway, real Redis, WireMock upstream.
 */
class GatewayAuthenticationTests {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    private static final String INVALID_BODY =
            "{\"type\":\"https://keygate.dev/problems/invalid-api-key\",\"title\":\"Invalid API key\","
                    + "\"status\":401,\"detail\":\"The API key is not valid.\"}";

    /**
     * The gateways' clock, and the key store's (static: the fixture starts before any instance).
     */
    private static final MutableClock CLOCK = new MutableClock(T0);

    @RegisterExtension
    static final GatewayFixture fixture =
            GatewayFixture.builder()
                    .sharedRedis()
                    .clock(CLOCK)
                    .upstreamAnswer(
                            aResponse()
                                    .withStatus(200)
                                    .withHeader("Content-Type", "application/json")
                                    .withBody("{\"ok\":true}"))
                    .routes(
                            uri ->
                                    Routes.to(uri)
                                            .route("public", "/public/**", "public", "true")
                                            .route(
                                                    "orders",
                                                    "/orders/**",
                                                    "scopes",
                                                    "orders:read,orders:write")
                                            .route("acme", "/acme/**", "organizations[0]", "acme")
                                            .route("everything", "/**")
                                            .properties())
                    .build();

    private IssuedKey create(NewKey spec) {
        return fixture.keys().mint(spec);
    }

    private IssuedKey create() {
        return create(
                NewKey.forOwner("acct-1")
                        .withScopes(Set.of("orders:read"))
                        .withOrganizations(Set.of("acme", "globex")));
    }

    private LoggedRequest lastUpstreamRequest() {
        List<LoggedRequest> requests =
                fixture.upstream()
                        .findAll(
                                com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
                                        anyUrl()));
        assertThat(requests).isNotEmpty();
        return requests.get(requests.size() - 1);
    }

    @Test
    void validKeyInEveryDefaultPlaceIsForwardedWithIdentityAndWithoutTheKey() {
        IssuedKey key = create();
        List<WebTestClient.RequestHeadersSpec<?>> requests =
                List.of(
                        fixture.client()
                                .get()
                                .uri("/things/1")
                                .header("Authorization", "Bearer " + key.key()),
                        fixture.client()
                                .get()
                                .uri("/things/1")
                                .header("Authorization", "Apikey " + key.key()),
                        fixture.client()
                                .get()
                                .uri("/things/1")
                                .header("Authorization", "apikey " + key.key()),
                        fixture.client().get().uri("/things/1").header("X-Api-Key", key.key()));
        for (WebTestClient.RequestHeadersSpec<?> request : requests) {
            fixture.upstream().resetRequests();
            request.exchange().expectStatus().isOk().expectBody().json("{\"ok\":true}");
            LoggedRequest forwarded = lastUpstreamRequest();
            assertThat(forwarded.getHeader("X-Api-Key-Id")).isEqualTo(key.record().id());
            assertThat(forwarded.getHeader("X-Api-Key-Owner")).isEqualTo("acct-1");
            assertThat(forwarded.getHeader("X-Api-Key-Scopes")).isEqualTo("orders:read");
            assertThat(forwarded.getHeader("X-Api-Key-Organizations")).isEqualTo("acme,globex");
            assertThat(forwarded.containsHeader("Authorization")).isFalse();
            assertThat(forwarded.containsHeader("X-Api-Key")).isFalse();
            assertThat(forwarded.getBodyAsString() + forwarded.getAllHeaderKeys())
                    .doesNotContain(key.key());
        }
    }

    @Test
    void otherAuthorizationSchemesAreLeftForTheUpstream() {
        IssuedKey key = create();
        fixture.client()
                .get()
                .uri("/things")
                .header("Authorization", "Basic dXNlcjpwYXNz")
                .header("X-Api-Key", key.key())
                .exchange()
                .expectStatus()
                .isOk();
        assertThat(lastUpstreamRequest().getHeader("Authorization"))
                .isEqualTo("Basic dXNlcjpwYXNz");
    }

    @Test
    void missingKeyIsRefusedWithAChallengeAndNothingGoesUpstream() {
        fixture.client()
                .get()
                .uri("/things")
                .exchange()
                .expectStatus()
                .isUnauthorized()
                .expectHeader()
                .contentType("application/problem+json")
                .expectHeader()
                .valueEquals(
                        "WWW-Authenticate", "Bearer realm=\"keygate\"", "Apikey realm=\"keygate\"")
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://keygate.dev/problems/missing-api-key")
                .jsonPath("$.status")
                .isEqualTo(401);
        assertThat(fixture.upstream().getAllServeEvents()).isEmpty();
    }

    @Test
    void everyKindOfBadKeyGetsTheSameAnswerWhileMetricsTellThemApart() {
        IssuedKey good = create();
        IssuedKey removed = create();
        fixture.keys().store().remove(removed.record().id()).block();
        IssuedKey disabled = create();
        fixture.keys()
                .store()
                .update(disabled.record().id(), KeyUpdate.none().withEnabled(false))
                .block();
        IssuedKey expiring =
                create(NewKey.forOwner("acct-1").withExpiresAt(T0.plus(Duration.ofHours(1))));
        IssuedKey rotatedAway = create();
        fixture.keys().store().rotate(rotatedAway.record().id(), Duration.ZERO).block();
        String wrongSecret = reChecksum(good.key().substring(0, 15) + "A".repeat(30));
        String unknownId = reChecksum("kg_AAAAAAAAAAA_" + good.key().substring(15, 45));
        String malformed = good.key().substring(0, good.key().length() - 1) + "!";

        double[] before = counts();
        List<String> bodies = new ArrayList<>();
        for (String presented :
                List.of(
                        malformed,
                        unknownId,
                        wrongSecret,
                        removed.key(),
                        disabled.key(),
                        rotatedAway.key())) {
            bodies.add(refusedBody(presented));
        }
        CLOCK.advance(Duration.ofHours(2));
        try {
            bodies.add(refusedBody(expiring.key()));
        } finally {
            CLOCK.advance(Duration.ofHours(-2));
        }

        assertThat(bodies).allMatch(INVALID_BODY::equals);
        double[] after = counts();
        // malformed, unknown (unknown id and removed), bad_secret, disabled, revoked, expired
        assertThat(after[0] - before[0]).isEqualTo(1);
        assertThat(after[1] - before[1]).isEqualTo(2);
        assertThat(after[2] - before[2]).isEqualTo(1);
        assertThat(after[3] - before[3]).isEqualTo(1);
        assertThat(after[4] - before[4]).isEqualTo(1);
        assertThat(after[5] - before[5]).isEqualTo(1);
        assertThat(fixture.upstream().getAllServeEvents()).isEmpty();
    }

    private double[] counts() {
        return new double[] {
            fixture.gateway().authCount("malformed"),
            fixture.gateway().authCount("unknown"),
            fixture.gateway().authCount("bad_secret"),
            fixture.gateway().authCount("disabled"),
            fixture.gateway().authCount("revoked"),
            fixture.gateway().authCount("expired")
        };
    }

    private String refusedBody(String presented) {
        EntityExchangeResult<String> result =
                await().atMost(Duration.ofSeconds(3))
                        .until(
                                () ->
                                        fixture.client()
                                                .get()
                                                .uri("/things")
                                                .header("X-Api-Key", presented)
                                                .exchange()
                                                .expectBody(String.class)
                                                .returnResult(),
                                r -> r.getStatus().value() == 401);
        assertThat(result.getResponseHeaders().get("WWW-Authenticate"))
                .contains("Bearer realm=\"keygate\", error=\"invalid_token\"");
        return result.getResponseBody();
    }

    /** Recomputes the checksum so the key passes the offline parser. */
    private static String reChecksum(String withoutChecksum) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        for (int i = 0; i < withoutChecksum.length(); i++) {
            crc.update(withoutChecksum.charAt(i));
        }
        long value = crc.getValue();
        String alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        char[] digits = new char[6];
        for (int i = 5; i >= 0; i--) {
            digits[i] = alphabet.charAt((int) (value % 62));
            value /= 62;
        }
        return withoutChecksum + new String(digits);
    }

    @Test
    void twoDifferentKeysAreRefusedButTheSameKeyTwiceIsFine() {
        IssuedKey first = create();
        IssuedKey second = create();
        fixture.client()
                .get()
                .uri("/things")
                .header("Authorization", "Bearer " + first.key())
                .header("X-Api-Key", second.key())
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://keygate.dev/problems/ambiguous-api-key");
        fixture.client()
                .get()
                .uri("/things")
                .header("Authorization", "Bearer " + first.key())
                .header("X-Api-Key", first.key())
                .exchange()
                .expectStatus()
                .isOk();
    }

    @Test
    void identityHeadersSentByTheClientNeverReachTheUpstream() {
        IssuedKey key = create();
        fixture.client()
                .get()
                .uri("/things")
                .header("X-Api-Key", key.key())
                .header("X-Api-Key-Owner", "admin")
                .header("X-Api-Key-Scopes", "everything:*")
                .exchange()
                .expectStatus()
                .isOk();
        LoggedRequest forwarded = lastUpstreamRequest();
        assertThat(forwarded.getHeaders().getHeader("X-Api-Key-Owner").values())
                .containsExactly("acct-1");
        assertThat(forwarded.getHeaders().getHeader("X-Api-Key-Scopes").values())
                .containsExactly("orders:read");

        fixture.upstream().resetRequests();
        fixture.client()
                .get()
                .uri("/public/info")
                .header("X-Api-Key-Owner", "admin")
                .header("X-Api-Key-Id", "spoofed")
                .exchange()
                .expectStatus()
                .isOk();
        assertThat(lastUpstreamRequest().containsHeader("X-Api-Key-Owner")).isFalse();
        assertThat(lastUpstreamRequest().containsHeader("X-Api-Key-Id")).isFalse();
    }

    @Test
    void queryStringKeysAreIgnoredByDefault() {
        IssuedKey key = create();
        fixture.client()
                .get()
                .uri("/things?api_key=" + key.key())
                .exchange()
                .expectStatus()
                .isUnauthorized()
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://keygate.dev/problems/missing-api-key");
    }

    @Test
    void routeMarkedPublicNeedsNoKey() {
        fixture.client().get().uri("/public/info").exchange().expectStatus().isOk();
        assertThat(lastUpstreamRequest().getUrl()).isEqualTo("/public/info");
    }

    @Test
    void routeRequiringScopesRefusesAKeyWithoutAllOfThemWith403() {
        IssuedKey readOnly = create();
        fixture.client()
                .get()
                .uri("/orders/1")
                .header("X-Api-Key", readOnly.key())
                .exchange()
                .expectStatus()
                .isForbidden()
                .expectHeader()
                .valueEquals(
                        "WWW-Authenticate",
                        "Bearer realm=\"keygate\", error=\"insufficient_scope\", scope=\"orders:read orders:write\"",
                        "Apikey realm=\"keygate\", error=\"insufficient_scope\", scope=\"orders:read orders:write\"")
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://keygate.dev/problems/insufficient-scope");
        IssuedKey readWrite =
                create(NewKey.forOwner("acct-1").withScopes(Set.of("orders:read", "orders:write")));
        fixture.client()
                .get()
                .uri("/orders/1")
                .header("X-Api-Key", readWrite.key())
                .exchange()
                .expectStatus()
                .isOk();
    }

    @Test
    void routeRequiringAnOrganizationAcceptsOnlyItsMembers() {
        IssuedKey member = create();
        IssuedKey outsider = create(NewKey.forOwner("acct-2").withOrganizations(Set.of("initech")));
        fixture.client()
                .get()
                .uri("/acme/x")
                .header("X-Api-Key", member.key())
                .exchange()
                .expectStatus()
                .isOk();
        fixture.client()
                .get()
                .uri("/acme/x")
                .header("X-Api-Key", outsider.key())
                .exchange()
                .expectStatus()
                .isForbidden();
    }

    @Test
    void corsPreflightPassesWithoutAKeyButAPlainOptionsDoesNot() {
        fixture.client()
                .method(HttpMethod.OPTIONS)
                .uri("/things")
                .header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "POST")
                .exchange()
                .expectStatus()
                .isOk();
        fixture.client()
                .method(HttpMethod.OPTIONS)
                .uri("/things")
                .exchange()
                .expectStatus()
                .isUnauthorized();
    }

    @Test
    void previousSecretWorksDuringItsGraceWithDeprecationHeadersThenStops() {
        IssuedKey original = create();
        IssuedKey rotated =
                fixture.keys()
                        .store()
                        .rotate(original.record().id(), Duration.ofMinutes(10))
                        .block();

        await().atMost(Duration.ofSeconds(3))
                .untilAsserted(
                        () ->
                                fixture.client()
                                        .get()
                                        .uri("/things")
                                        .header("X-Api-Key", original.key())
                                        .exchange()
                                        .expectStatus()
                                        .isOk()
                                        .expectHeader()
                                        .valueEquals(
                                                "Deprecation",
                                                "@" + rotated.record().rotatedAt().getEpochSecond())
                                        .expectHeader()
                                        .valueEquals("Sunset", "Mon, 1 Jun 2026 10:10:00 GMT"));
        fixture.client()
                .get()
                .uri("/things")
                .header("X-Api-Key", rotated.key())
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .doesNotExist("Deprecation");

        CLOCK.advance(Duration.ofMinutes(10));
        try {
            assertThat(Probe.status(fixture.client(), original.key())).isEqualTo(401);
            assertThat(Probe.status(fixture.client(), rotated.key())).isEqualTo(200);
        } finally {
            CLOCK.advance(Duration.ofMinutes(-10));
        }
    }

    @Test
    void healthReportsTheInvalidationStateOnTheManagementPortOnly() {
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(
                        () ->
                                fixture.gateway()
                                        .readiness()
                                        .expectStatus()
                                        .isOk()
                                        .expectBody()
                                        .jsonPath("$.components.keygate.status")
                                        .isEqualTo("UP")
                                        .jsonPath("$.components.keygate.details.subscribed")
                                        .isEqualTo(true));
        fixture.gateway()
                .management()
                .get()
                .uri("/actuator/prometheus")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .value(
                        body ->
                                assertThat(body)
                                        .contains("keygate_auth_total")
                                        .doesNotContain("kg_"));
        fixture.client().get().uri("/actuator/health").exchange().expectStatus().isUnauthorized();
    }

    @Test
    void keygateEndpointShowsTheNodeStateAndRefusesToFlushByDefault() {
        fixture.gateway()
                .management()
                .get()
                .uri("/actuator/keygate")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.nodeId")
                .isNotEmpty()
                .jsonPath("$.subscribed")
                .isEqualTo(true)
                .jsonPath("$.cacheTrusted")
                .isEqualTo(true)
                .jsonPath("$.confirmedEpoch")
                .isNumber();
        double flushesBefore =
                fixture.gateway().bean(dev.keygate.gateway.cache.KeyCache.class).flushCount();
        fixture.gateway()
                .management()
                .post()
                .uri("/actuator/keygate")
                .exchange()
                .expectStatus()
                .value(status -> assertThat(status).isIn(404, 405));
        assertThat(fixture.gateway().bean(dev.keygate.gateway.cache.KeyCache.class).flushCount())
                .isEqualTo((long) flushesBefore);
        fixture.gateway()
                .management()
                .get()
                .uri("/actuator/info")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.build.artifact")
                .isEqualTo("keygate-gateway");
        fixture.gateway()
                .management()
                .get()
                .uri("/actuator")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .value(
                        body -> {
                            java.util.Set<String> links = new java.util.TreeSet<>();
                            java.util.regex.Matcher m =
                                    java.util.regex.Pattern.compile("\"([a-z-]+)\":\\{\"href\"")
                                            .matcher(body);
                            while (m.find()) {
                                links.add(m.group(1).replaceAll("-.*", ""));
                            }
                            assertThat(links)
                                    .containsExactlyInAnyOrder(
                                            "self",
                                            "health",
                                            "info",
                                            "metrics",
                                            "prometheus",
                                            "keygate");
                        });
        fixture.gateway()
                .management()
                .get()
                .uri("/actuator/env")
                .exchange()
                .expectStatus()
                .isNotFound();
    }

    /**
     * reactor/reactor-netty#4361: after a request answered at once (here the 405 for a write to the
     * read-only endpoint) the next request on the same keep-alive connection could get no answer at
     * all; without the workaround about one round in three stalled.
     */
    @Test
    void managementPortAnswersEveryRequestOnAKeepAliveConnectionAfterARefusedWrite()
            throws java.io.IOException {
        for (int round = 0; round < 20; round++) {
            assertThat(
                            RawHttp.onOneConnection(
                                    fixture.gateway().managementPort(),
                                    List.of(
                                            "GET /actuator/keygate",
                                            "POST /actuator/keygate",
                                            "GET /actuator/info",
                                            "GET /actuator/info")))
                    .as("round %s", round)
                    .containsExactly(200, 405, 200, 200);
        }
    }
}
