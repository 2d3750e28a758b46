package dev.keygate.gateway.limits;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.limit.LimitCheck;
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
 * against none. Non-blocking; thread-safe.
 */
public final class ExactUsageLimiter implements UsageLimiter {

    private final RedisLimitCounters counters;
    private final LimitPolicies policies;
    private final LimitFailurePolicy failures;
    private final Duration timeout;
    private final LongSupplier timeShiftMicros;

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
    }

    @Override
    public Mono<LimitOutcome> limit(KeyRecord record, RouteRequirements route, String routeId) {
        List<LimitCheck> checks = policies.checks(record, route, routeId);
        if (checks.isEmpty()) {
            return LimitOutcome.UNLIMITED_MONO;
        }
        return counters.check(checks, 1, false, timeShiftMicros.getAsLong())
                .timeout(timeout)
                .map(verdict -> failures.counted(policies.outcome(verdict)))
                .onErrorResume(error -> Mono.just(failures.unavailable(checks, error)));
    }

    @Override
    public String toString() {
        return "ExactUsageLimiter[timeout=" + timeout + "]";
    }
}
