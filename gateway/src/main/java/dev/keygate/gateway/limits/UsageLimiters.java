package dev.keygate.gateway.limits;

import dev.keygate.core.limit.RedisLimitCounters;
import dev.keygate.core.limit.UsageLimits;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.function.LongSupplier;

/** Builds Keygate's {@link UsageLimiter}s (what the auto-configuration uses). */
public final class UsageLimiters {

    private UsageLimiters() {}

    /**
     * @param counters the counters in Redis
     * @param defaults the limits of keys without their own
     * @param headers whether answers carry the RateLimit fields
     * @param timeout how long the script may take
     * @param quotaFailsClosed whether a quota that cannot be checked refuses (503)
     * @param timeShiftMicros added to Redis's clock by the script: {@code () -> 0} outside tests
     */
    public static UsageLimiter exact(
            RedisLimitCounters counters,
            UsageLimits defaults,
            boolean headers,
            Duration timeout,
            boolean quotaFailsClosed,
            LongSupplier timeShiftMicros,
            Clock clock,
            MeterRegistry registry) {
        return new ExactUsageLimiter(
                counters,
                new LimitPolicies(counters, defaults, headers, clock),
                new LimitFailurePolicy(quotaFailsClosed, registry, System::nanoTime),
                timeout,
                timeShiftMicros);
    }

    /**
     * The {@code local-then-sync} limiter: decides locally, reconciles every {@code syncInterval};
     * close it (Spring does, as a bean) to count what it let through before the gateway stops.
     */
    public static UsageLimiter localThenSync(
            RedisLimitCounters counters,
            UsageLimits defaults,
            boolean headers,
            Duration timeout,
            boolean quotaFailsClosed,
            Duration syncInterval,
            long maximumCounters,
            LongSupplier timeShiftMicros,
            Clock clock,
            MeterRegistry registry) {
        return new LocalThenSyncLimiter(
                counters,
                new LimitPolicies(counters, defaults, headers, clock),
                new LimitFailurePolicy(quotaFailsClosed, registry, System::nanoTime),
                timeout,
                syncInterval,
                maximumCounters,
                timeShiftMicros,
                System::nanoTime);
    }
}
