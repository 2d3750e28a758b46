package dev.keygate.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keygate.core.limit.Quota;
import dev.keygate.core.limit.RedisLimitCounters;
import dev.keygate.core.limit.UsageLimits;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.gateway.authentication.RouteRequirements;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One {@link LocalThenSyncLimiter} on a real Redis, its time in the test's hands: the interval is
 * an hour of a clock the test moves, so the sweeper never runs and every reconciliation is one the
 * limiter chose on a request.
 */
@ExtendWith(RedisExtension.class)
class LocalThenSyncLimiterTests {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration INTERVAL = Duration.ofHours(1);
    private static final int QUOTA = 10;

    private final RedisServer redis;
    private final AtomicLong nanos = new AtomicLong();
    private final AtomicLong redisShiftMicros = new AtomicLong();
    private TestKeys keys;
    private RedisLimitCounters counters;
    private LocalThenSyncLimiter limiter;

    LocalThenSyncLimiterTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeEach
    void start() {
        redis.flushAll();
        keys = TestKeys.connectedTo(redis, Clock.systemUTC());
        counters = new RedisLimitCounters(keys.template(), RedisKeyspace.defaults());
        limiter =
                new LocalThenSyncLimiter(
                        counters,
                        new LimitPolicies(counters, UsageLimits.NONE, true, Clock.systemUTC()),
                        new LimitFailurePolicy(false, new SimpleMeterRegistry(), System::nanoTime),
                        WAIT,
                        INTERVAL,
                        1_000,
                        redisShiftMicros::get,
                        nanos::get);
    }

    @AfterEach
    void stop() {
        limiter.close();
        keys.close();
    }

    private IssuedKey keyWithDailyQuota() {
        UsageLimits limits = UsageLimits.of(null, new Quota(QUOTA, Quota.Period.DAY));
        return keys.mint(NewKey.forOwner("acct-estimate").withLimits(limits));
    }

    private boolean allowed(IssuedKey key) {
        return limiter.limit(key.record(), RouteRequirements.ANY_VALID_KEY, null)
                .block(WAIT)
                .allowed();
    }

    private long usedInRedis(IssuedKey key) {
        return counters.keyUsage("acct-estimate", key.record().id(), key.record().limits())
                .block(WAIT)
                .quota()
                .used();
    }

    private void intervalPasses() {
        nanos.addAndGet(INTERVAL.toNanos());
    }

    @Test
    void aStaleEstimateThatRefusesCountsWhatItLetThroughBeforeRedisDecidesAgain() {
        IssuedKey key = keyWithDailyQuota();
        int allowed = 0;
        // the first in Redis, the other nine from the estimate, uncounted until reconciled
        for (int i = 0; i < QUOTA + 1; i++) {
            allowed += allowed(key) ? 1 : 0;
        }
        assertThat(allowed).isEqualTo(QUOTA);
        assertThat(usedInRedis(key)).isEqualTo(1);

        intervalPasses();
        // Redis, knowing of only one, would allow this one: one gateway past its own quota
        assertThat(allowed(key)).isFalse();
        await().atMost(WAIT).until(() -> usedInRedis(key) == QUOTA);

        intervalPasses();
        // everything counted: Redis decides, and refuses
        assertThat(allowed(key)).isFalse();
        assertThat(usedInRedis(key)).isEqualTo(QUOTA);
    }

    @Test
    void aRefusingEstimateSeesTheNextPeriodOnceEverythingItLetThroughIsCounted() {
        IssuedKey key = keyWithDailyQuota();
        for (int i = 0; i < QUOTA + 1; i++) {
            allowed(key);
        }
        intervalPasses();
        assertThat(allowed(key)).isFalse();
        await().atMost(WAIT).until(() -> usedInRedis(key) == QUOTA);

        // the day turns in Redis's clock
        redisShiftMicros.set(Duration.ofDays(1).toNanos() / 1_000);
        intervalPasses();

        assertThat(allowed(key)).isTrue();
        // and the new day's estimate is spent locally again
        assertThat(allowed(key)).isTrue();
    }
}
