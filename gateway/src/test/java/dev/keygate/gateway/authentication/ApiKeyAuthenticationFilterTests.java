package dev.keygate.gateway.authentication;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.key.ApiKeyGenerator.GeneratedKey;
import dev.keygate.core.key.ApiKeyParser;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.key.SecretHash;
import dev.keygate.core.testing.MapKeyStore;
import dev.keygate.gateway.cache.KeyCache;
import dev.keygate.gateway.limits.UsageLimiter;
import dev.keygate.test.time.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The filter on mock exchanges, the way Spring Cloud Gateway tests its global filters: a route in
 * the exchange attribute, a chain that records what it was handed, and for the key checks the real
 * {@link CachingApiKeyAuthenticator} over a {@link KeyCache} on an in-memory store. No Redis, no
 * server: one test per outcome.
 */
class ApiKeyAuthenticationFilterTests {

    private static final Instant T0 = Instant.parse("2026-06-01T00:00:00Z");
    private static final List<String> SCHEMES = List.of("Bearer", "Apikey");

    private final MutableClock clock = new MutableClock(T0);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MapKeyStore store = new MapKeyStore();
    private final ApiKeyGenerator generator =
            new ApiKeyGenerator(ApiKeyFormat.defaults(), new SecureRandom());
    private final KeyCache cache =
            new KeyCache(
                    store,
                    () -> true,
                    1000,
                    Duration.ofMinutes(5),
                    1000,
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(1),
                    Ticker.systemTicker(),
                    registry);
    private final ApiKeyAuthenticator authenticator =
            new CachingApiKeyAuthenticator(
                    new ApiKeyParser(ApiKeyFormat.defaults()), cache, clock, registry);
    private final AtomicReference<ServerWebExchange> forwarded = new AtomicReference<>();
    private final GatewayFilterChain chain =
            exchange -> {
                forwarded.set(exchange);
                return Mono.empty();
            };

    private ApiKeyAuthenticationFilter filter(
            ApiKeyAuthenticator authenticator, AuthenticationThrottle throttle) {
        return new ApiKeyAuthenticationFilter(
                new ApiKeyCredentialConverter(SCHEMES, List.of("X-Api-Key"), List.of("api_key")),
                authenticator,
                ApiKeyAuthorizer.scopesAndOrganizations(),
                new ProblemJsonFailureHandler(SCHEMES, "keygate", Duration.ofSeconds(5)),
                throttle,
                UsageLimiter.NONE,
                registry);
    }

    private ApiKeyAuthenticationFilter filter() {
        return filter(authenticator, AuthenticationThrottle.NONE);
    }

    private String issue(Set<String> scopes, Instant expiresAt, boolean enabled) {
        GeneratedKey key = generator.newKey();
        store.put(record(key.id(), key.hash(), null, null, scopes, expiresAt, enabled));
        return key.token();
    }

    private String issue() {
        return issue(Set.of("orders:read"), null, true);
    }

    private static KeyRecord record(
            String id,
            SecretHash hash,
            SecretHash previous,
            Instant previousExpiresAt,
            Set<String> scopes,
            Instant expiresAt,
            boolean enabled) {
        return new KeyRecord(
                id,
                "acct-1",
                "test",
                Set.of("acme"),
                scopes,
                T0,
                T0,
                expiresAt,
                enabled,
                hash,
                previous,
                previousExpiresAt,
                Map.of(),
                null,
                null,
                1);
    }

    private static Route route(Map<String, Object> keygate) {
        Route.AsyncBuilder route =
                Route.async().id("orders").uri("http://upstream.invalid").predicate(e -> true);
        if (keygate != null) {
            route.metadata(RouteRequirements.METADATA_KEY, keygate);
        }
        return route.build();
    }

    private static MockServerWebExchange exchange(
            Route route, MockServerHttpRequest.BaseBuilder<?> request) {
        MockServerWebExchange exchange =
                MockServerWebExchange.from(
                        request.remoteAddress(new InetSocketAddress("192.0.2.1", 40000)));
        exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR, route);
        return exchange;
    }

    private static MockServerWebExchange withKey(String key) {
        return exchange(
                route(null),
                MockServerHttpRequest.get("/orders")
                        .header(HttpHeaders.AUTHORIZATION, "Bearer " + key));
    }

    private MockServerWebExchange run(
            ApiKeyAuthenticationFilter filter, MockServerWebExchange exchange) {
        filter.filter(exchange, chain).block(Duration.ofSeconds(5));
        return exchange;
    }

    private double errors(String kind, String exception) {
        return registry.get("keygate.auth.errors")
                .tag("kind", kind)
                .tag("exception", exception)
                .counter()
                .count();
    }

    private double outcomes(String outcome) {
        return registry.get("keygate.auth").tag("outcome", outcome).counter().count();
    }

    private void assertRefused(
            MockServerWebExchange exchange, HttpStatus status, String type, String outcome) {
        assertThat(forwarded.get()).as("forwarded").isNull();
        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(status);
        assertThat(exchange.getResponse().getHeaders().getContentType())
                .hasToString("application/problem+json");
        assertThat(exchange.getResponse().getBodyAsString().block())
                .contains("\"type\":\"https://keygate.dev/problems/" + type + "\"");
        assertThat(outcomes(outcome)).isEqualTo(1.0);
    }

    @Test
    void onlyForwardedRequestsAreRecordedAsUsageWithTheRoutesRequiredScopes() {
        List<String> recorded = new java.util.ArrayList<>();
        ApiKeyAuthenticationFilter filter =
                new ApiKeyAuthenticationFilter(
                        new ApiKeyCredentialConverter(SCHEMES, List.of("X-Api-Key"), List.of()),
                        authenticator,
                        ApiKeyAuthorizer.scopesAndOrganizations(),
                        new ProblemJsonFailureHandler(SCHEMES, "keygate", Duration.ofSeconds(5)),
                        AuthenticationThrottle.NONE,
                        UsageLimiter.NONE,
                        (record, previous, scopes) ->
                                recorded.add(record.id() + " " + previous + " " + scopes),
                        registry);
        String key = issue();
        run(
                filter,
                exchange(
                        route(Map.of("scopes", List.of("orders:read"))),
                        MockServerHttpRequest.get("/orders")
                                .header(HttpHeaders.AUTHORIZATION, "Bearer " + key)));
        run(
                filter,
                exchange(
                        route(Map.of("scopes", List.of("orders:write"))),
                        MockServerHttpRequest.get("/orders")
                                .header(HttpHeaders.AUTHORIZATION, "Bearer " + key))); // 403
        run(filter, withKey(generator.newKey().token())); // 401

        assertThat(recorded).containsExactly(idOf(key) + " false [orders:read]");
    }

    @Test
    void aRecorderThatThrowsDoesNotStopTheRequest() {
        ApiKeyAuthenticationFilter filter =
                new ApiKeyAuthenticationFilter(
                        new ApiKeyCredentialConverter(SCHEMES, List.of("X-Api-Key"), List.of()),
                        authenticator,
                        ApiKeyAuthorizer.scopesAndOrganizations(),
                        new ProblemJsonFailureHandler(SCHEMES, "keygate", Duration.ofSeconds(5)),
                        AuthenticationThrottle.NONE,
                        UsageLimiter.NONE,
                        (record, previous, scopes) -> {
                            throw new IllegalStateException("a recorder bug");
                        },
                        registry);
        run(filter, withKey(issue()));

        assertThat(forwarded.get()).isNotNull();
    }

    @Test
    void aValidCachedKeyIsForwardedWithItsRecordAndNothingElseAnswers() {
        String key = issue();
        MockServerWebExchange exchange = run(filter(), withKey(key));

        assertThat(forwarded.get()).isNotNull();
        KeyRecord record =
                forwarded.get().getAttribute(ApiKeyAuthenticationFilter.VERIFIED_KEY_ATTRIBUTE);
        assertThat(record.id()).isEqualTo(key.substring(3, 3 + ApiKeyFormat.ID_LENGTH));
        assertThat(exchange.getResponse().getStatusCode()).isNull();
        assertThat(outcomes("valid")).isEqualTo(1.0);
        // the second request is answered from the cache: still one store read
        forwarded.set(null);
        run(filter(), withKey(key));
        assertThat(forwarded.get()).isNotNull();
        assertThat(store.reads()).isEqualTo(1);
    }

    @Test
    void noKeyIsRefusedWithAChallengeWithoutAnErrorCode() {
        MockServerWebExchange exchange =
                run(filter(), exchange(route(null), MockServerHttpRequest.get("/orders")));

        assertRefused(exchange, HttpStatus.UNAUTHORIZED, "missing-api-key", "missing");
        assertThat(exchange.getResponse().getHeaders().get(HttpHeaders.WWW_AUTHENTICATE))
                .containsExactly("Bearer realm=\"keygate\"", "Apikey realm=\"keygate\"");
    }

    @Test
    void twoDifferentKeysAreRefusedAsAmbiguous() {
        MockServerWebExchange exchange =
                run(
                        filter(),
                        exchange(
                                route(null),
                                MockServerHttpRequest.get("/orders")
                                        .header(HttpHeaders.AUTHORIZATION, "Bearer " + issue())
                                        .header("X-Api-Key", issue())));

        assertRefused(exchange, HttpStatus.BAD_REQUEST, "ambiguous-api-key", "ambiguous");
        assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                .contains("error=\"invalid_request\"");
    }

    @Test
    void everyKindOfBadKeyGetsTheSameAnswerAndItsOwnMetric() {
        String removed = issue();
        run(filter(), withKey(removed)); // cached, then removed as the admin API does it:
        store.forget(idOf(removed)); // the record goes, then the invalidation arrives
        cache.invalidate(idOf(removed));
        String valid = issue();
        List<List<String>> cases =
                List.of(
                        List.of("malformed", "not-a-key"),
                        List.of("unknown", generator.newKey().token()),
                        List.of("unknown", removed),
                        List.of("bad_secret", generator.forId(idOf(valid)).token()),
                        List.of("expired", issue(Set.of(), T0.minusSeconds(1), true)),
                        List.of("disabled", issue(Set.of(), null, false)));
        String firstBody = null;
        for (List<String> bad : cases) {
            forwarded.set(null);
            MockServerWebExchange exchange = run(filter(), withKey(bad.get(1)));
            assertThat(forwarded.get()).as(bad.get(0)).isNull();
            assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
            String body = exchange.getResponse().getBodyAsString().block();
            assertThat(body).as(bad.get(0)).isEqualTo(firstBody == null ? body : firstBody);
            firstBody = body;
            assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                    .contains("error=\"invalid_token\"");
        }
        assertThat(firstBody)
                .isEqualTo(
                        "{\"type\":\"https://keygate.dev/problems/invalid-api-key\",\"title\":"
                                + "\"Invalid API key\",\"status\":401,\"detail\":\"The API key is"
                                + " not valid.\"}");
        assertThat(outcomes("malformed")).isEqualTo(1.0);
        assertThat(outcomes("unknown")).isEqualTo(2.0);
        assertThat(outcomes("bad_secret")).isEqualTo(1.0);
        assertThat(outcomes("expired")).isEqualTo(1.0);
        assertThat(outcomes("disabled")).isEqualTo(1.0);
        assertThat(
                        registry.get("keygate.auth.malformed").counters().stream()
                                .mapToDouble(counter -> counter.count())
                                .sum())
                .isEqualTo(1.0);
    }

    private static String idOf(String key) {
        return key.substring(3, 3 + ApiKeyFormat.ID_LENGTH);
    }

    @Test
    void aPartThatThrowsAfterTheKeyWasCheckedIsA503NotAPassThrough() {
        ApiKeyAuthenticationFilter filter =
                new ApiKeyAuthenticationFilter(
                        new ApiKeyCredentialConverter(SCHEMES, List.of("X-Api-Key"), List.of()),
                        authenticator,
                        (record, requirements) -> {
                            throw new IllegalStateException("an authorizer bug");
                        },
                        new ProblemJsonFailureHandler(SCHEMES, "keygate", Duration.ofSeconds(5)),
                        AuthenticationThrottle.NONE,
                        UsageLimiter.NONE,
                        registry);
        MockServerWebExchange exchange = run(filter, withKey(issue()));

        assertRefused(
                exchange, HttpStatus.SERVICE_UNAVAILABLE, "key-store-unavailable", "unavailable");
        assertThat(errors("unexpected", "IllegalStateException")).isEqualTo(1.0);
    }

    @Test
    void anAuthenticatorThatReturnsNoMonoOrAnImmediateErrorIsA503CountedByItsCause() {
        List<ApiKeyAuthenticator> broken =
                List.of(
                        (credential, permit) -> null,
                        (credential, permit) -> Mono.error(new IllegalStateException("a bug")));
        for (ApiKeyAuthenticator authenticator : broken) {
            MockServerWebExchange exchange =
                    run(filter(authenticator, AuthenticationThrottle.NONE), withKey(issue()));
            assertThat(exchange.getResponse().getStatusCode())
                    .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        }
        assertThat(forwarded.get()).isNull();
        assertThat(errors("unexpected", "IllegalStateException")).isEqualTo(2.0);
    }

    @Test
    void onlyFailuresAreChargedAndOnlyKeysReadFromTheStoreAreRememberedAsVerified() {
        List<String> charged = new java.util.ArrayList<>();
        List<String> verified = new java.util.ArrayList<>();
        AuthenticationThrottle recording =
                new AuthenticationThrottle() {
                    @Override
                    public void recordFailure(String client) {
                        charged.add(client);
                    }

                    @Override
                    public void recordVerified(String keyId) {
                        verified.add(keyId);
                    }
                };
        ApiKeyAuthenticationFilter filter = filter(authenticator, recording);
        String key = issue();
        run(filter, withKey(key)); // read from the store
        run(filter, withKey(key)); // from the cache
        run(filter, exchange(route(null), MockServerHttpRequest.get("/orders"))); // missing
        run(
                filter,
                exchange(
                        route(Map.of("scopes", List.of("orders:write"))),
                        MockServerHttpRequest.get("/orders")
                                .header(HttpHeaders.AUTHORIZATION, "Bearer " + key))); // forbidden
        assertThat(charged).isEmpty();
        assertThat(verified).containsExactly(idOf(key));

        run(filter, withKey("not-a-key"));
        run(filter, withKey(generator.newKey().token()));
        assertThat(charged).hasSize(2);
    }

    @Test
    void aLookupRefusedByTheThrottleIsNotChargedAsAFailure() {
        List<String> charged = new java.util.ArrayList<>();
        AuthenticationThrottle noLookups =
                new AuthenticationThrottle() {
                    @Override
                    public Duration retryAfter(String client) {
                        return Duration.ofSeconds(30);
                    }

                    @Override
                    public boolean tryLookup(String client, String keyId) {
                        return false;
                    }

                    @Override
                    public Duration retryAfterLookup() {
                        return Duration.ofMillis(400);
                    }

                    @Override
                    public void recordFailure(String client) {
                        charged.add(client);
                    }
                };
        MockServerWebExchange exchange =
                run(filter(authenticator, noLookups), withKey(generator.newKey().token()));

        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER))
                .isEqualTo("1");
        assertThat(store.reads()).isZero();
        assertThat(charged).isEmpty();
    }

    @Test
    void aRotatedAwaySecretIsRevokedAndAPreviousOneInGraceIsDeprecated() {
        GeneratedKey old = generator.newKey();
        GeneratedKey current = generator.forId(old.id());
        store.put(
                record(
                        old.id(),
                        current.hash(),
                        old.hash(),
                        T0.plusSeconds(60),
                        Set.of(),
                        null,
                        true));

        MockServerWebExchange inGrace = run(filter(), withKey(old.token()));
        assertThat(forwarded.get()).isNotNull();
        inGrace.getResponse().setComplete().block();
        assertThat(inGrace.getResponse().getHeaders().getFirst("Deprecation")).startsWith("@");
        assertThat(inGrace.getResponse().getHeaders().getFirst("Sunset")).endsWith("GMT");

        clock.advance(Duration.ofSeconds(61));
        forwarded.set(null);
        assertRefused(
                run(filter(), withKey(old.token())),
                HttpStatus.UNAUTHORIZED,
                "invalid-api-key",
                "revoked");
    }

    @Test
    void aValidKeyWithoutTheRoutesScopeIsForbiddenNamingTheScope() {
        MockServerWebExchange exchange =
                run(
                        filter(),
                        exchange(
                                route(Map.of("scopes", List.of("orders:write"))),
                                MockServerHttpRequest.get("/orders")
                                        .header(HttpHeaders.AUTHORIZATION, "Bearer " + issue())));

        assertRefused(exchange, HttpStatus.FORBIDDEN, "insufficient-scope", "forbidden");
        assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                .isEqualTo(
                        "Bearer realm=\"keygate\", error=\"insufficient_scope\", scope=\"orders:write\"");
    }

    @Test
    void aPublicRouteNeedsNoKeyButLosesTheCredentialQueryParameter() {
        MockServerWebExchange exchange =
                run(
                        filter(),
                        exchange(
                                route(Map.of("public", true)),
                                MockServerHttpRequest.get("/health?api_key=secret&x=1")));

        assertThat(forwarded.get()).isNotNull();
        assertThat(forwarded.get().getRequest().getURI().getRawQuery()).isEqualTo("x=1");
        assertThat(exchange.getResponse().getStatusCode()).isNull();
    }

    @Test
    void aRouteWithMalformedMetadataIsNeverServedOpen() {
        MockServerWebExchange exchange =
                run(
                        filter(),
                        exchange(
                                route(Map.of("scope", "orders:write")),
                                MockServerHttpRequest.get("/orders")));

        assertRefused(
                exchange, HttpStatus.SERVICE_UNAVAILABLE, "key-store-unavailable", "unavailable");
        assertThat(errors("unexpected", "MalformedRouteRequirementsException")).isEqualTo(1.0);
    }

    @Test
    void aStoreFailureIs503CountedAsTheStoreNotAsABug() {
        store.failReads(true);
        MockServerWebExchange exchange = run(filter(), withKey(generator.newKey().token()));

        assertRefused(
                exchange, HttpStatus.SERVICE_UNAVAILABLE, "key-store-unavailable", "unavailable");
        assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER))
                .isEqualTo("5");
        assertThat(errors("store", "DataAccessResourceFailureException")).isEqualTo(1.0);
    }

    @Test
    void aBugInAPartIs503CountedAsUnexpected() {
        ApiKeyAuthenticator broken =
                (credential, permit) -> {
                    throw new IllegalStateException("a bug");
                };
        MockServerWebExchange exchange =
                run(filter(broken, AuthenticationThrottle.NONE), withKey(issue()));

        assertRefused(
                exchange, HttpStatus.SERVICE_UNAVAILABLE, "key-store-unavailable", "unavailable");
        assertThat(errors("unexpected", "IllegalStateException")).isEqualTo(1.0);
    }

    @Test
    void anAuthenticatorThatAnswersLaterIsWaitedFor() {
        String key = issue();
        ApiKeyAuthenticator later =
                (credential, permit) ->
                        authenticator
                                .authenticate(credential, permit)
                                .delayElement(Duration.ofMillis(10));
        run(filter(later, AuthenticationThrottle.NONE), withKey(key));

        assertThat(forwarded.get()).isNotNull();
        assertThat(outcomes("valid")).isEqualTo(1.0);
    }

    @Test
    void anAuthenticatorThatCompletesEmptyOrFailsLaterIsNeverAnOpenDoor() {
        List<ApiKeyAuthenticator> broken =
                List.of(
                        (credential, permit) -> Mono.empty(),
                        (credential, permit) ->
                                Mono.<AuthenticationResult>empty()
                                        .delayElement(Duration.ofMillis(5)),
                        (credential, permit) ->
                                Mono.<AuthenticationResult>error(new IllegalStateException("a bug"))
                                        .delaySubscription(Duration.ofMillis(5)));
        for (ApiKeyAuthenticator authenticator : broken) {
            MockServerWebExchange exchange =
                    run(filter(authenticator, AuthenticationThrottle.NONE), withKey(issue()));
            assertThat(forwarded.get()).isNull();
            assertThat(exchange.getResponse().getStatusCode())
                    .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        }
        assertThat(outcomes("unavailable")).isEqualTo(3.0);
        assertThat(errors("unexpected", "IllegalStateException")).isEqualTo(3.0);
    }

    /**
     * A throttle under which the client is limited for 30 s more and may have {@code lookups}
     * uncached ids looked up (then 400 ms until the next).
     */
    private static AuthenticationThrottle limited(AtomicInteger lookups) {
        return new AuthenticationThrottle() {
            @Override
            public String client(ServerWebExchange exchange) {
                return "192.0.2.1";
            }

            @Override
            public Duration retryAfter(String client) {
                return Duration.ofSeconds(30);
            }

            @Override
            public boolean tryLookup(String client, String keyId) {
                return lookups.getAndDecrement() > 0;
            }

            @Override
            public Duration retryAfterLookup() {
                return Duration.ofMillis(400);
            }
        };
    }

    @Test
    void aLimitedClientsFailuresGet429AndItsUncachedIdsNoLookupBeyondTheAllowance() {
        AtomicInteger lookupsAllowed = new AtomicInteger(1);
        AuthenticationThrottle limited = limited(lookupsAllowed);
        ApiKeyAuthenticationFilter filter = filter(authenticator, limited);

        // a made-up id within the allowance is looked up, fails, and is answered 429
        MockServerWebExchange first = run(filter, withKey(generator.newKey().token()));
        assertThat(first.getResponse().getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        assertThat(first.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER))
                .isEqualTo("30");
        assertThat(store.reads()).isEqualTo(1);
        // beyond it: 429 without a store read
        MockServerWebExchange second = run(filter, withKey(generator.newKey().token()));
        assertThat(second.getResponse().getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        assertThat(second.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER))
                .isEqualTo("1");
        assertThat(store.reads()).isEqualTo(1);
        assertThat(outcomes("throttled")).isEqualTo(2.0);
    }

    @Test
    void aCachedValidKeyIsNeverRefusedBecauseItsClientIsLimited() {
        String key = issue();
        run(filter(), withKey(key)); // now cached
        forwarded.set(null);
        AuthenticationThrottle limitedWithoutLookups = limited(new AtomicInteger(0));
        MockServerWebExchange exchange =
                run(filter(authenticator, limitedWithoutLookups), withKey(key));

        assertThat(forwarded.get()).isNotNull();
        assertThat(exchange.getResponse().getStatusCode()).isNull();
    }

    @ParameterizedTest
    @EnumSource(
            value = Refusal.Reason.class,
            // the firewall's and the usage limits' refusals are counted elsewhere
            names = {"REJECTED", "RATE_LIMITED", "QUOTA_EXCEEDED", "LIMITS_UNAVAILABLE"},
            mode = EnumSource.Mode.EXCLUDE)
    void everyAuthenticationOutcomeHasItsCounterFromTheStart(Refusal.Reason reason) {
        assertThat(reason.isAuthenticationOutcome()).isTrue();
        filter();
        assertThat(registry.get("keygate.auth").tag("outcome", reason.code()).counter().count())
                .isZero();
    }
}
