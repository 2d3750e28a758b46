package dev.keygate.core.limit;

import java.time.Instant;

/**
 * What a key or an owner has used of its limits now (the admin API's view).
 *
 * @param rateRemaining the requests its rate limit allows at once now, or {@code null} without one
 * @param quota the quota's use in its current period, or {@code null} without a quota
 */
public record LimitUsage(Long rateRemaining, QuotaUsage quota) {

    /** No limits, nothing to show. */
    public static final LimitUsage NONE = new LimitUsage(null, null);

    /**
     * @param used requests counted in the current period
     * @param remaining requests left in it
     * @param resetsAt when the next period starts
     */
    public record QuotaUsage(long used, long remaining, Instant resetsAt) {}
}
