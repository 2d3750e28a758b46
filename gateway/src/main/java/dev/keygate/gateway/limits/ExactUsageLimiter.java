package dev.keygate.gateway.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.limit.LimitCheck;
import dev.keygate.core.limit.LimitVerdict;
import dev.keygate.core.limit.RedisLimitCounters;
import dev.keygate.gateway.authentication.RouteRequirements;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import reactor.core.publisher.Mono;

/**
 * The default {@link UsageLimiter} ({@code keygate.gateway.limits.mode=exact}): every request with
 * a limit runs the limit script once, in Redis, covering all its limits (key, route, owner) in one
 * round trip on one slot; requests with no limit cost nothing. Exact across any number of gateways,
 * since Redis alone counts and its clock alone tells time. A request refused by any limit counts
 * against none.
 *
 * <p>A refused counter set is remembered for up to {@value #REFUSAL_MEMO_MILLIS} ms (never longer
 * than its {@code Retry-After}): a client hammering past its limit costs Redis one script per
 * second per gateway, not one per request; it could not have been allowed in that time anyway.
 * Non-blocking; thread-safe.
 */
public final class ExactUsageLimiter implements UsageLimiter {

    private final RedisLimitCounters counters;
    private final LimitPolicies policies;
    private final LimitFailurePolicy failures;
    private final Duration timeout;
    private final LongSupplier timeShiftMicros;
    private final LongSupplier nanoTime;
    private final Cache<String, Refused> refused;

    /** How long a refusal is answered from memory at most. */
    static final long REFUSAL_MEMO_MILLIS = 1000;

    /** A recent refusal: for these checks, until then (at that clock shift: a test hook). */
    private record Refused(
            List<LimitCheck> checks, long untilNanos, long shift, LimitOutcome outcome) {}

    ExactUsageLimiter(
            RedisLimitCounters counters,
            LimitPolicies policies,
            LimitFailurePolicy failures,
            Duration timeout,
            LongSupplier timeShiftMicros) {
        this.counters = Objects.requireNonNull(counters, "counters");
        this.policies = Objects.requireNonNull(policies, "policies");
        this.failures = Objects.requireNonNull(failures, "failures");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.timeShiftMicros = Objects.requireNonNull(timeShiftMicros, "timeShiftMicros");
        this.nanoTime = System::nanoTime;
        this.refused =
                Caffeine.newBuilder()
                        .maximumSize(10_000)
                        .expireAfterWrite(Duration.ofMillis(REFUSAL_MEMO_MILLIS))
                        .build();
    }

    @Override
    public Mono<LimitOutcome> limit(KeyRecord record, RouteRequirements route, String routeId) {
        List<LimitCheck> checks = policies.checks(record, route, routeId);
        if (checks.isEmpty()) {
            return LimitOutcome.UNLIMITED_MONO;
        }
        long shift = timeShiftMicros.getAsLong();
        String name = checks.get(0).counter();
        Refused memo = refused.getIfPresent(name);
        if (memo != null
                && memo.shift == shift
                && nanoTime.getAsLong() < memo.untilNanos
                && memo.checks.equals(checks)) {
            return Mono.just(failures.counted(memo.outcome));
        }
        return counters.check(checks, 1, false, shift)
                .timeout(timeout)
                .map(verdict -> failures.counted(remembered(name, checks, shift, verdict)))
                .onErrorResume(error -> failures.unavailable(checks, error));
    }

    private LimitOutcome remembered(
            String name, List<LimitCheck> checks, long shift, LimitVerdict verdict) {
        LimitOutcome outcome = policies.outcome(verdict);
        if (!outcome.allowed()) {
            long memo = Math.min(verdict.retryAfter().toNanos(), REFUSAL_MEMO_MILLIS * 1_000_000);
            refused.put(name, new Refused(checks, nanoTime.getAsLong() + memo, shift, outcome));
        }
        return outcome;
    }

    @Override
    public String toString() {
        return "ExactUsageLimiter[timeout=" + timeout + "]";
    }
}
