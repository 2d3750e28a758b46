package dev.keygate.admin.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.keygate.admin.propagation.PropagationReceipt;
import dev.keygate.core.limit.LimitUsage;
import dev.keygate.core.limit.UsageLimits;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * An owner's shared limits as admins see them. {@code rateLimit} and {@code quota} are always
 * present, {@code null} when not set (an owner without limits is an answer, not a 404); {@code
 * usage} only in the answer to a read, and only when a limit is set.
 *
 * @param owner the owner
 * @param rateLimit the shared rate limit, or {@code null}
 * @param quota the shared quota, or {@code null}
 * @param usage what the owner's keys together used of the limits now
 */
@Schema(name = "OwnerLimits", description = "An owner's limits, shared by all its keys together.")
public record OwnerLimitsView(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String owner,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, nullable = true)
                RateLimitJson rateLimit,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, nullable = true) QuotaJson quota,
        @Schema(description = "Only when read, and only for the limits set.")
                @JsonInclude(JsonInclude.Include.NON_NULL)
                UsageView usage,
        @Schema(description = "Only in the answer to a change: which gateways have applied it.")
                @JsonInclude(JsonInclude.Include.NON_NULL)
                PropagationReceipt propagation) {

    /** The view of {@code limits}, with their {@code usage} ({@code null}: none shown). */
    public static OwnerLimitsView of(String owner, UsageLimits limits, LimitUsage usage) {
        return new OwnerLimitsView(
                owner,
                RateLimitJson.of(limits.rateLimit()),
                QuotaJson.of(limits.quota()),
                UsageView.of(usage),
                null);
    }

    /** This view with the change's propagation receipt. */
    public OwnerLimitsView withPropagation(PropagationReceipt propagation) {
        return new OwnerLimitsView(owner, rateLimit, quota, usage, propagation);
    }
}
