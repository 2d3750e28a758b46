package dev.keygate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keygate.core.limit.LimitUsage;
import dev.keygate.core.limit.Quota;
import dev.keygate.core.limit.RateLimit;
import dev.keygate.core.limit.RedisLimitCounters;
import dev.keygate.core.limit.UsageLimits;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.gateway.testing.TestGateway;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code local-then-sync} mode on two gateways: each decides from its own estimate and
 * reconciles with Redis every 100 ms, so together they may let through more than the limit, by a
 * bounded amount (at most what each last saw as remaining, per gateway), which is measured and
 * printed here; and whatever they let through is counted in Redis in the end, so the overrun is
 * paid back. Limits with a period of a day: nothing refills during the test.
 */
class LocalThenSyncLimitTests {

    private static final Duration DAY = Duration.ofDays(1);
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final int LIMIT = 50;

    @RegisterExtension
    static final GatewayFixture fixture =
            GatewayFixture.builder()
                    .sharedRedis()
                    .instances(2)
                    .property("keygate.gateway.limits.mode", "local-then-sync")
                    .property("keygate.gateway.limits.sync-interval", "100ms")
                    .build();

    private static int status(TestGateway gateway, String key) {
        return gateway.client()
                .get()
                .uri("/things")
                .header("X-Api-Key", key)
                .exchange()
                .returnResult(Void.class)
                .getStatus()
                .value();
    }

    /** 4 × the limit, alternating between the gateways; how many were let through. */
    private static int allowedOf(String key) {
        List<TestGateway> gateways = fixture.gateways();
        AtomicInteger allowed = new AtomicInteger();
        IntStream.range(0, 4 * LIMIT)
                .forEach(
                        i -> {
                            if (status(gateways.get(i % 2), key) == 200) {
                                allowed.incrementAndGet();
                            }
                        });
        return allowed.get();
    }

    private static RedisLimitCounters counters() {
        return new RedisLimitCounters(fixture.keys().template(), RedisKeyspace.defaults());
    }

    @Test
    void twoGatewaysOverrunARateLimitByAtMostWhatEachLastSawAndRedisCountsEveryRequestServed() {
        UsageLimits limits = UsageLimits.of(new RateLimit(1, DAY, LIMIT), null);
        IssuedKey key = fixture.keys().mint(NewKey.forOwner("acct-local").withLimits(limits));

        int allowed = allowedOf(key.key());

        System.out.printf(
                "[limits/local-then-sync] rate limit %d, 2 gateways, sync 100 ms: %d let through"
                        + " (%.2f of the limit)%n",
                LIMIT, allowed, allowed / (double) LIMIT);
        assertThat(allowed).isBetween(LIMIT, 2 * LIMIT);
        // every request served is counted in Redis: nothing remains for anyone
        await().atMost(BOUND)
                .untilAsserted(
                        () -> {
                            LimitUsage usage =
                                    counters()
                                            .keyUsage("acct-local", key.record().id(), limits)
                                            .block(BOUND);
                            assertThat(usage.rateRemaining()).isZero();
                        });
    }

    @Test
    void aQuotaOverrunIsBoundedAndEveryRequestLetThroughIsCounted() {
        UsageLimits limits = UsageLimits.of(null, new Quota(LIMIT, Quota.Period.DAY));
        IssuedKey key = fixture.keys().mint(NewKey.forOwner("acct-local-q").withLimits(limits));

        int allowed = allowedOf(key.key());

        System.out.printf(
                "[limits/local-then-sync] quota %d, 2 gateways, sync 100 ms: %d let through"
                        + " (%.2f of the quota)%n",
                LIMIT, allowed, allowed / (double) LIMIT);
        assertThat(allowed).isBetween(LIMIT, 2 * LIMIT);
        await().atMost(BOUND)
                .untilAsserted(
                        () ->
                                assertThat(
                                                counters()
                                                        .keyUsage(
                                                                "acct-local-q",
                                                                key.record().id(),
                                                                limits)
                                                        .block(BOUND)
                                                        .quota()
                                                        .used())
                                        .isEqualTo(allowed));
    }

    @Test
    void anOwnersKeysShareOneEstimateOfTheOwnersLimitSoMoreKeysDoNotMeanMoreOverrun() {
        String owner = "acct-local-owner";
        UsageLimits quota = UsageLimits.of(null, new Quota(LIMIT, Quota.Period.DAY));
        fixture.keys().store().setOwnerLimits(owner, quota).block(BOUND);
        List<IssuedKey> keys =
                IntStream.range(0, 5)
                        .mapToObj(i -> fixture.keys().mint(NewKey.forOwner(owner)))
                        .toList();
        List<TestGateway> gateways = fixture.gateways();
        int allowed = 0;
        for (int i = 0; i < 4 * LIMIT; i++) {
            if (status(gateways.get(i % 2), keys.get((i / 2) % keys.size()).key()) == 200) {
                allowed++;
            }
        }

        System.out.printf(
                "[limits/local-then-sync] owner quota %d shared by 5 keys, 2 gateways: %d let"
                        + " through (%.2f of the quota)%n",
                LIMIT, allowed, allowed / (double) LIMIT);
        // bounded by the gateways, not by the keys: 5 keys with an estimate each could let through
        // five times as much
        assertThat(allowed).isBetween(LIMIT, 2 * LIMIT);
    }

    @Test
    void aRateLimitExhaustedHereRefillsAfterAPauseWithoutWaitingForTraffic() {
        UsageLimits limits = UsageLimits.of(new RateLimit(2, Duration.ofSeconds(2), 2), null);
        IssuedKey key =
                fixture.keys().mint(NewKey.forOwner("acct-local-refill").withLimits(limits));
        TestGateway gateway = fixture.gateway();
        assertThat(
                        List.of(
                                status(gateway, key.key()),
                                status(gateway, key.key()),
                                status(gateway, key.key())))
                .containsExactly(200, 200, 429);

        // one request a second comes back: the estimate that refused is asked again in Redis
        await().atMost(BOUND)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> status(gateway, key.key()) == 200);
    }

    @Test
    void underConcurrentLoadTheOverrunStaysWithinWhatTwoGatewaysCanSpend() throws Exception {
        int limit = 200;
        UsageLimits limits = UsageLimits.of(new RateLimit(1, DAY, limit), null);
        IssuedKey key = fixture.keys().mint(NewKey.forOwner("acct-local-busy").withLimits(limits));
        List<TestGateway> gateways = fixture.gateways();
        AtomicInteger allowed = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        java.util.concurrent.ExecutorService clients =
                java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 16; t++) {
                done.add(
                        clients.submit(
                                () -> {
                                    for (int i = next.getAndIncrement();
                                            i < 4 * limit;
                                            i = next.getAndIncrement()) {
                                        if (status(gateways.get(i % 2), key.key()) == 200) {
                                            allowed.incrementAndGet();
                                        }
                                    }
                                }));
            }
            for (java.util.concurrent.Future<?> client : done) {
                client.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }

        System.out.printf(
                "[limits/local-then-sync] rate limit %d, 2 gateways, 16 concurrent clients: %d let"
                        + " through (%.2f of the limit)%n",
                limit, allowed.get(), allowed.get() / (double) limit);
        assertThat(allowed.get()).isBetween(limit, 2 * limit);
    }
}
