package dev.keygate.gateway.it;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keygate.core.limit.LimitUsage;
import dev.keygate.core.limit.Quota;
import dev.keygate.core.limit.RateLimit;
import dev.keygate.core.limit.RedisLimitCounters;
import dev.keygate.core.limit.UsageLimits;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.KeyUpdate;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.gateway.testing.Routes;
import dev.keygate.gateway.testing.TestGateway;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Usage limits on two gateways sharing one Redis, attacked over real HTTP as a client would: the
 * counts hold across both gateways exactly (the exact mode: one script in Redis per request), a
 * refused request is neither forwarded nor counted, rotation keeps the counters, an owner's limits
 * are shared by its keys, quotas start again at the UTC day boundary (the script's clock shifted
 * through the test hook), and routes cap their own. Limits with a period of a day make the counts
 * independent of how fast the machine is: nothing refills during a test.
 */
class UsageLimitTests {

    private static final Duration DAY = Duration.ofDays(1);
    private static final Duration BOUND = Duration.ofSeconds(10);

    /** Microseconds the limit script adds to Redis's clock on both gateways. */
    private static final AtomicLong SHIFT = new AtomicLong();

    @RegisterExtension
    static final GatewayFixture fixture =
            GatewayFixture.builder()
                    .sharedRedis()
                    .instances(2)
                    .singleton("keygateLimitsTimeShift", (LongSupplier) SHIFT::get)
                    .routes(
                            uri ->
                                    Routes.to(uri)
                                            .route(
                                                    "expensive",
                                                    "/expensive/**",
                                                    "rate-limit.requests",
                                                    "2",
                                                    "rate-limit.per",
                                                    "1d")
                                            .route("everything", "/**")
                                            .properties())
                    .build();

    @AfterEach
    void unshift() {
        SHIFT.set(0);
    }

    private static TestKeys keys() {
        return fixture.keys();
    }

    private static IssuedKey mint(String owner, UsageLimits limits) {
        return keys().mint(NewKey.forOwner(owner).withLimits(limits));
    }

    private static EntityExchangeResult<String> call(
            WebTestClient client, String key, String path) {
        return client.get()
                .uri(path)
                .header("X-Api-Key", key)
                .exchange()
                .expectBody(String.class)
                .returnResult();
    }

    /** Alternates between the two gateways; the statuses in order. */
    private static List<Integer> alternate(String key, String path, int requests) {
        List<TestGateway> gateways = fixture.gateways();
        return java.util.stream.IntStream.range(0, requests)
                .mapToObj(i -> call(gateways.get(i % 2).client(), key, path).getStatus().value())
                .toList();
    }

    private static long count(List<Integer> statuses, int status) {
        return statuses.stream().filter(s -> s == status).count();
    }

    private static RedisLimitCounters counters() {
        return new RedisLimitCounters(keys().template(), RedisKeyspace.defaults());
    }

    @Test
    void keyRateLimitHoldsExactlyAcrossTwoGateways() {
        IssuedKey key = mint("acct-rate", UsageLimits.of(RateLimit.of(10, DAY), null));

        List<Integer> statuses = alternate(key.key(), "/things", 30);

        assertThat(count(statuses, 200)).isEqualTo(10);
        assertThat(count(statuses, 429)).isEqualTo(20);
        assertThat(statuses.subList(0, 10)).containsOnly(200);
    }

    @Test
    void burstIsAllowedAtOnceThenTheRequestIsRefusedWithRetryAfterAndTheDraftHeaderFields() {
        IssuedKey key = mint("acct-burst", UsageLimits.of(new RateLimit(1, DAY, 5), null));
        WebTestClient client = fixture.gateway().client();

        EntityExchangeResult<String> first = call(client, key.key(), "/things");
        assertThat(first.getStatus().value()).isEqualTo(200);
        assertThat(first.getResponseHeaders().getFirst("RateLimit-Policy"))
                .isEqualTo("\"key\";q=1;w=86400;keygate-burst=5");
        assertThat(first.getResponseHeaders().getFirst("RateLimit")).startsWith("\"key\";r=4;t=");
        for (int i = 0; i < 4; i++) {
            assertThat(call(client, key.key(), "/things").getStatus().value()).isEqualTo(200);
        }

        EntityExchangeResult<String> refused = call(client, key.key(), "/things");
        assertThat(refused.getStatus().value()).isEqualTo(429);
        assertThat(refused.getResponseHeaders().getContentType())
                .hasToString("application/problem+json");
        assertThat(refused.getResponseBody())
                .contains("\"type\":\"https://keygate.dev/problems/rate-limited\"")
                .contains("\"violated-policies\":[\"key\"]")
                .doesNotContain(key.key());
        long retryAfter = Long.parseLong(refused.getResponseHeaders().getFirst("Retry-After"));
        // one request a day, five spent: the next token is about a day away
        assertThat(retryAfter).isBetween(DAY.toSeconds() - 60, DAY.toSeconds() + 1);
        // the draft: Retry-After never earlier than the reset parameter; here they are the same
        assertThat(refused.getResponseHeaders().getFirst("RateLimit"))
                .isEqualTo("\"key\";r=0;t=" + retryAfter);
        assertThat(refused.getResponseHeaders().getFirst("RateLimit-Policy"))
                .isEqualTo(first.getResponseHeaders().getFirst("RateLimit-Policy"));
    }

    @Test
    void refusedRequestsAreNeitherForwardedNorCountedAgainstTheQuota() {
        IssuedKey key =
                mint(
                        "acct-uncounted",
                        UsageLimits.of(new RateLimit(1, DAY, 1), new Quota(5, Quota.Period.DAY)));
        WebTestClient client = fixture.gateway().client();
        int before = fixture.upstream().findAll(anyRequestedFor(anyUrl())).size();

        List<Integer> statuses =
                java.util.stream.IntStream.range(0, 6)
                        .mapToObj(i -> call(client, key.key(), "/things").getStatus().value())
                        .toList();

        assertThat(statuses).containsExactly(200, 429, 429, 429, 429, 429);
        // a refusal says what is left of the quota it did not touch
        assertThat(call(client, key.key(), "/things").getResponseHeaders().getFirst("RateLimit"))
                .contains("\"key-quota\";r=4;");
        assertThat(fixture.upstream().findAll(anyRequestedFor(anyUrl())).size() - before)
                .isEqualTo(1);
        LimitUsage usage =
                counters()
                        .keyUsage("acct-uncounted", key.record().id(), key.record().limits())
                        .block(BOUND);
        assertThat(usage.quota().used()).isEqualTo(1);
        assertThat(usage.quota().remaining()).isEqualTo(4);
    }

    @Test
    void quotaIsExhaustedThenStartsAgainAtTheUtcDayBoundary() {
        IssuedKey key = mint("acct-quota", UsageLimits.of(null, new Quota(3, Quota.Period.DAY)));

        List<Integer> today = alternate(key.key(), "/things", 4);
        assertThat(today).containsExactly(200, 200, 200, 429);
        EntityExchangeResult<String> refused =
                call(fixture.gateway().client(), key.key(), "/things");
        assertThat(refused.getResponseBody())
                .contains("\"type\":\"https://keygate.dev/problems/quota-exceeded\"")
                .contains("\"violated-policies\":[\"key-quota\"]");
        Instant now = Instant.now();
        Instant midnight =
                now.atZone(ZoneOffset.UTC)
                        .toLocalDate()
                        .plusDays(1)
                        .atStartOfDay(ZoneOffset.UTC)
                        .toInstant();
        long retryAfter = Long.parseLong(refused.getResponseHeaders().getFirst("Retry-After"));
        assertThat(retryAfter)
                .isBetween(
                        Duration.between(now, midnight).toSeconds() - 60,
                        Duration.between(now, midnight).toSeconds() + 1);
        assertThat(refused.getResponseHeaders().getFirst("RateLimit-Policy"))
                .isEqualTo("\"key-quota\";q=3;w=86400");

        // Redis's clock, as the script reads it, one second past the next UTC midnight
        SHIFT.set(ChronoUnit.MICROS.between(now, midnight.plusSeconds(1)));

        List<Integer> tomorrow = alternate(key.key(), "/things", 4);
        assertThat(tomorrow).containsExactly(200, 200, 200, 429);
    }

    @Test
    void rotationKeepsTheCountersOfTheKeyId() {
        IssuedKey key = mint("acct-rotate", UsageLimits.of(null, new Quota(2, Quota.Period.DAY)));
        assertThat(alternate(key.key(), "/things", 2)).containsExactly(200, 200);

        IssuedKey rotated = keys().store().rotate(key.record().id(), Duration.ZERO).block(BOUND);

        await().atMost(BOUND)
                .untilAsserted(
                        () ->
                                assertThat(
                                                call(
                                                                fixture.gateway().client(),
                                                                key.key(),
                                                                "/things")
                                                        .getStatus()
                                                        .value())
                                        .isEqualTo(401));
        assertThat(alternate(rotated.key(), "/things", 2)).containsExactly(429, 429);
    }

    @Test
    void ownerLimitsAreSharedByAllTheOwnersKeysAndAChangeReachesKeysAlreadyCached() {
        IssuedKey first = mint("acct-shared", UsageLimits.NONE);
        IssuedKey second = mint("acct-shared", UsageLimits.NONE);
        // both cached on both gateways, without limits
        assertThat(alternate(first.key(), "/things", 2)).containsOnly(200);
        assertThat(alternate(second.key(), "/things", 2)).containsOnly(200);

        keys().store()
                .setOwnerLimits("acct-shared", UsageLimits.of(null, new Quota(3, Quota.Period.DAY)))
                .block(BOUND);

        // the announcement makes both gateways reload both keys with the owner's quota
        await().atMost(BOUND)
                .until(
                        () ->
                                fixture.gateways().stream()
                                        .allMatch(
                                                gateway ->
                                                        call(
                                                                                gateway.client(),
                                                                                first.key(),
                                                                                "/things")
                                                                        .getResponseHeaders()
                                                                        .getFirst(
                                                                                "RateLimit-Policy")
                                                                != null));
        keys().store().setOwnerLimits("acct-shared", UsageLimits.NONE).block(BOUND);
        counters().deleteOwnerCounters("acct-shared").block(BOUND);
        keys().store()
                .setOwnerLimits("acct-shared", UsageLimits.of(null, new Quota(3, Quota.Period.DAY)))
                .block(BOUND);
        await().atMost(BOUND)
                .until(
                        () ->
                                counters()
                                                .ownerUsage(
                                                        "acct-shared",
                                                        UsageLimits.of(
                                                                null,
                                                                new Quota(3, Quota.Period.DAY)))
                                                .block(BOUND)
                                                .quota()
                                                .used()
                                        == 0);

        List<Integer> statuses =
                List.of(
                        call(fixture.gateways().get(0).client(), first.key(), "/things")
                                .getStatus()
                                .value(),
                        call(fixture.gateways().get(1).client(), second.key(), "/things")
                                .getStatus()
                                .value(),
                        call(fixture.gateways().get(1).client(), first.key(), "/things")
                                .getStatus()
                                .value(),
                        call(fixture.gateways().get(0).client(), second.key(), "/things")
                                .getStatus()
                                .value());
        assertThat(count(statuses, 200)).isEqualTo(3);
        assertThat(count(statuses, 429)).isEqualTo(1);
        EntityExchangeResult<String> refused =
                call(fixture.gateway().client(), second.key(), "/things");
        assertThat(refused.getResponseBody()).contains("\"violated-policies\":[\"owner-quota\"]");
    }

    @Test
    void aRoutesRateLimitCapsEachKeyOnThatRouteOnly() {
        IssuedKey key = mint("acct-route", UsageLimits.NONE);

        assertThat(alternate(key.key(), "/expensive/report", 4))
                .containsExactly(200, 200, 429, 429);
        assertThat(alternate(key.key(), "/things", 4)).containsOnly(200);
        EntityExchangeResult<String> refused =
                call(fixture.gateway().client(), key.key(), "/expensive/report");
        assertThat(refused.getResponseBody()).contains("\"violated-policies\":[\"route\"]");
        // without limits of its own, the key's answers elsewhere carry no RateLimit fields
        assertThat(
                        call(fixture.gateway().client(), key.key(), "/things")
                                .getResponseHeaders()
                                .getFirst("RateLimit"))
                .isNull();
    }

    @Test
    void changingAKeysLimitTakesEffectOnEveryGateway() {
        IssuedKey key = mint("acct-change", UsageLimits.NONE);
        assertThat(alternate(key.key(), "/things", 2)).containsOnly(200);

        keys().store()
                .update(
                        key.record().id(),
                        KeyUpdate.none().withQuota(Optional.of(new Quota(1, Quota.Period.DAY))))
                .block(BOUND);

        await().atMost(BOUND)
                .untilAsserted(() -> assertThat(alternate(key.key(), "/things", 4)).contains(429));
    }

    private static long scriptCalls() {
        java.util.Properties stats =
                keys().template()
                        .getConnectionFactory()
                        .getReactiveConnection()
                        .serverCommands()
                        .info("commandstats")
                        .block(BOUND);
        long calls = 0;
        for (String command : List.of("cmdstat_evalsha", "cmdstat_eval")) {
            String value = stats.getProperty(command);
            if (value != null) {
                calls += Long.parseLong(value.replaceAll("^calls=(\\d+),.*$", "$1"));
            }
        }
        return calls;
    }

    @Test
    void aClientHammeringPastItsLimitCostsRedisAboutOneScriptASecondPerGateway() {
        IssuedKey key = mint("acct-hammer", UsageLimits.of(new RateLimit(1, DAY, 1), null));
        WebTestClient client = fixture.gateway().client();
        assertThat(call(client, key.key(), "/things").getStatus().value()).isEqualTo(200);
        long before = scriptCalls();
        long start = System.nanoTime();

        for (int i = 0; i < 50; i++) {
            assertThat(call(client, key.key(), "/things").getStatus().value()).isEqualTo(429);
        }

        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        assertThat(scriptCalls() - before).isBetween(1L, seconds + 1);
    }

    @Test
    void theRateLimitFieldsAreKeygatesEvenWhenTheUpstreamSendsItsOwn() {
        fixture.upstream()
                .stubFor(
                        com.github.tomakehurst.wiremock.client.WireMock.get(
                                        com.github.tomakehurst.wiremock.client.WireMock
                                                .urlPathEqualTo("/chatty"))
                                .willReturn(
                                        com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                                                .withStatus(200)
                                                .withHeader("RateLimit", "\"upstream\";r=1")
                                                .withHeader(
                                                        "RateLimit-Policy", "\"upstream\";q=1")));
        IssuedKey key = mint("acct-chatty", UsageLimits.of(RateLimit.of(10, DAY), null));

        EntityExchangeResult<String> answer =
                call(fixture.gateway().client(), key.key(), "/chatty");

        assertThat(answer.getStatus().value()).isEqualTo(200);
        assertThat(answer.getResponseHeaders().get("RateLimit"))
                .singleElement()
                .asString()
                .startsWith("\"key\";r=9;t=");
        assertThat(answer.getResponseHeaders().get("RateLimit-Policy"))
                .containsExactly("\"key\";q=10;w=86400");
    }

    @Test
    void aLimitPerSecondHoldsAcrossBothGatewaysWithinItsBurstPlusItsRate() {
        int perSecond = 20;
        IssuedKey key =
                mint(
                        "acct-per-second",
                        UsageLimits.of(RateLimit.of(perSecond, Duration.ofSeconds(1)), null));
        long start = System.nanoTime();

        List<Integer> statuses = alternate(key.key(), "/things", 200);

        double seconds = (System.nanoTime() - start) / 1e9;
        long allowed = count(statuses, 200);
        System.out.printf(
                "[limits/exact] %d a second on 2 gateways: %d of 200 let through in %.2f s (at most"
                        + " %d + %d/s × %.2f s = %.0f)%n",
                perSecond,
                allowed,
                seconds,
                perSecond,
                perSecond,
                seconds,
                perSecond + perSecond * seconds);
        // GCRA: at most the burst plus what refilled while the requests were sent (plus one for
        // rounding); never less than the burst, however slow the machine
        assertThat(allowed)
                .isBetween((long) perSecond, (long) (perSecond + perSecond * seconds) + 1);
        assertThat(count(statuses, 200) + count(statuses, 429)).isEqualTo(200);
    }
}
