package dev.keygate.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.KeyUpdate;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The limit script and the limits' storage on a real Redis: calendar periods computed in Lua from
 * Redis's clock (month ends, leap years), a refused check counting nothing, several limits checked
 * all-or-nothing, forced counts, and limits stored on keys and owners.
 */
@ExtendWith(RedisExtension.class)
class RedisLimitCountersTests {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final RedisServer redis;
    private TestKeys keys;
    private RedisLimitCounters counters;

    RedisLimitCountersTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeEach
    void connect() {
        redis.flushAll();
        keys = TestKeys.connectedTo(redis, Clock.systemUTC());
        counters = new RedisLimitCounters(keys.template(), RedisKeyspace.defaults());
    }

    @AfterEach
    void disconnect() {
        keys.close();
    }

    /** The script's shift that makes Redis's clock read {@code at} (give or take the call). */
    private static long shiftTo(Instant at) {
        return ChronoUnit.MICROS.between(Instant.now(), at);
    }

    private LimitVerdict check(List<LimitCheck> checks, long cost, boolean force, Instant at) {
        return counters.check(checks, cost, force, shiftTo(at)).block(WAIT);
    }

    private static LimitCheck monthly(long requests) {
        return LimitCheck.quota("q", "test:quota", new Quota(requests, Quota.Period.MONTH));
    }

    @Test
    void aMonthlyQuotaEndsAtTheFirstOfTheNextUtcMonthInALeapYear() {
        Instant lateFebruary = Instant.parse("2028-02-29T23:59:00Z");

        LimitVerdict verdict = check(List.of(monthly(2)), 1, false, lateFebruary);

        assertThat(verdict.allowed()).isTrue();
        assertThat(verdict.remaining()[0]).isEqualTo(1);
        // 60 s to 2028-03-01T00:00:00Z, rounded up
        assertThat(verdict.resetSeconds()[0]).isBetween(59L, 61L);
    }

    @Test
    void aMonthlyQuotaIsExhaustedThenStartsAgainInTheNextMonthAcrossAYearEnd() {
        Instant december = Instant.parse("2026-12-31T12:00:00Z");
        assertThat(check(List.of(monthly(2)), 1, false, december).allowed()).isTrue();
        assertThat(check(List.of(monthly(2)), 1, false, december).allowed()).isTrue();
        LimitVerdict refused = check(List.of(monthly(2)), 1, false, december);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfter())
                .isBetween(
                        Duration.ofHours(12).minusMinutes(1), Duration.ofHours(12).plusMinutes(1));

        LimitVerdict january =
                check(List.of(monthly(2)), 1, false, Instant.parse("2027-01-01T00:00:01Z"));

        assertThat(january.allowed()).isTrue();
        assertThat(january.remaining()[0]).isEqualTo(1);
        // January has 31 days
        assertThat(january.resetSeconds()[0]).isBetween(31 * 86_400L - 2, 31 * 86_400L);
    }

    @Test
    void aRefusalByOneLimitCountsAgainstNoneOfTheOthers() {
        LimitCheck quota = LimitCheck.quota("key-quota", "test:q", new Quota(10, Quota.Period.DAY));
        LimitCheck tight =
                LimitCheck.rate("owner", "test:r", new RateLimit(1, Duration.ofDays(1), 1));
        Instant now = Instant.now();
        assertThat(check(List.of(quota, tight), 1, false, now).allowed()).isTrue();

        LimitVerdict refused = check(List.of(quota, tight), 1, false, now);

        assertThat(refused.allowed()).isFalse();
        assertThat(refused.refusal().policy()).isEqualTo("owner");
        assertThat(refused.violated()).containsExactly(false, true);
        // the quota still shows one request used: the refused one was not counted
        assertThat(check(List.of(quota), 0, false, now).remaining()[0]).isEqualTo(9);
    }

    @Test
    void aForcedCountIsRecordedPastTheLimitAndRefusesWhatFollows() {
        LimitCheck rate =
                LimitCheck.rate("key", "test:forced", new RateLimit(1, Duration.ofDays(1), 5));
        Instant now = Instant.now();

        LimitVerdict forced = check(List.of(rate), 8, true, now);

        assertThat(forced.allowed()).isFalse();
        assertThat(forced.remaining()[0]).isZero();
        assertThat(check(List.of(rate), 1, false, now).allowed()).isFalse();
    }

    @Test
    void limitsAreStoredOnTheKeyAndOnItsOwnerAndReadTogether() {
        UsageLimits own = UsageLimits.of(new RateLimit(100, Duration.ofSeconds(1), 200), null);
        IssuedKey key = keys.mint(NewKey.forOwner("acct-1").withLimits(own));
        UsageLimits owner = UsageLimits.of(null, new Quota(1000, Quota.Period.MONTH));

        keys.store().setOwnerLimits("acct-1", owner).block(WAIT);
        KeyRecord read = keys.store().findById(key.record().id()).block(WAIT);

        assertThat(read.limits()).isEqualTo(own);
        assertThat(read.ownerLimits()).isEqualTo(owner);

        keys.store()
                .update(
                        key.record().id(),
                        KeyUpdate.none()
                                .withRateLimit(Optional.empty())
                                .withQuota(Optional.of(new Quota(5, Quota.Period.DAY))))
                .block(WAIT);
        keys.store().setOwnerLimits("acct-1", UsageLimits.NONE).block(WAIT);
        KeyRecord changed = keys.store().findById(key.record().id()).block(WAIT);

        assertThat(changed.limits())
                .isEqualTo(UsageLimits.of(null, new Quota(5, Quota.Period.DAY)));
        assertThat(changed.ownerLimits()).isEqualTo(UsageLimits.NONE);
    }

    @Test
    void removingAKeyDeletesItsCounters() {
        IssuedKey key = keys.mint(NewKey.forOwner("acct-1"));
        String id = key.record().id();
        LimitCheck quota =
                LimitCheck.quota(
                        "key-quota",
                        counters.keyQuota("acct-1", id),
                        new Quota(5, Quota.Period.DAY));
        counters.check(List.of(quota), 1, false, 0).block(WAIT);
        assertThat(keys.template().hasKey(counters.keyQuota("acct-1", id)).block(WAIT)).isTrue();

        keys.store().remove(id).block(WAIT);

        assertThat(keys.template().hasKey(counters.keyQuota("acct-1", id)).block(WAIT)).isFalse();
    }
}
