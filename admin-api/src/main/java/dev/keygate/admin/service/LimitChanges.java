package dev.keygate.admin.service;

import dev.keygate.core.limit.Quota;
import dev.keygate.core.limit.RateLimit;
import dev.keygate.core.limit.UsageLimits;
import java.util.Map;

/**
 * How limits appear in an audit event's changes: {@code rateLimit: "requests=100 per=PT1S
 * burst=200"}, {@code quota: "requests=100000 period=day"}, and {@code ""} for a limit removed (as
 * {@code expiresAt: ""} is a removed expiry). Stateless.
 */
final class LimitChanges {

    static final String RATE_LIMIT = "rateLimit";
    static final String QUOTA = "quota";

    private LimitChanges() {}

    static String rateLimit(RateLimit limit) {
        return limit == null
                ? ""
                : "requests="
                        + limit.requests()
                        + " per="
                        + limit.per()
                        + " burst="
                        + limit.burst();
    }

    static String quota(Quota quota) {
        return quota == null
                ? ""
                : "requests=" + quota.requests() + " period=" + quota.period().value();
    }

    /** Both limits, each {@code ""} when absent. */
    static void putAll(Map<String, String> changes, UsageLimits limits) {
        changes.put(RATE_LIMIT, rateLimit(limits.rateLimit()));
        changes.put(QUOTA, quota(limits.quota()));
    }
}
