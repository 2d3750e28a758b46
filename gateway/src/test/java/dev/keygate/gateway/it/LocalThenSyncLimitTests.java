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
}
