package dev.keygate.admin.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.keygate.core.limit.LimitUsage;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;

/**
 * What a key or an owner has used of its limits now, as Redis's counters say (read without counting
 * anything). Only the parts for limits that are set.
 *
 * @param quota the quota's use in its current period; absent without a quota
 * @param rateLimit what the rate limit allows at once now; absent without a rate limit
 */
@Schema(name = "Usage", description = "Use of the limits now; only the parts for limits set.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UsageView(QuotaUsage quota, RateLimitUsage rateLimit) {

    /** The view of core's usage; {@code null} when there are no limits to show. */
    public static UsageView of(LimitUsage usage) {
        if (usage == null || (usage.quota() == null && usage.rateRemaining() == null)) {
            return null;
        }
        return new UsageView(
                usage.quota() == null
                        ? null
                        : new QuotaUsage(
                                usage.quota().used(),
                                usage.quota().remaining(),
                                usage.quota().resetsAt()),
                usage.rateRemaining() == null ? null : new RateLimitUsage(usage.rateRemaining()));
    }

    /**
     * @param used requests counted in the current period
     * @param remaining requests left in it
     * @param resetsAt when the next period starts (UTC midnight)
     */
    @Schema(name = "QuotaUsage")
    public record QuotaUsage(long used, long remaining, Instant resetsAt) {}

    /**
     * @param remaining requests the rate limit allows at once now
     */
    @Schema(name = "RateLimitUsage")
    public record RateLimitUsage(long remaining) {}
}
