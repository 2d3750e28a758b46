package dev.keygate.admin.web;

import dev.keygate.core.limit.UsageLimits;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.Valid;

/**
 * The body of {@code PUT /v1/owners/{owner}/limits}: the owner's shared limits, both replaced. A
 * limit left out or {@code null} is not set; {@code {}} (or both {@code null}) removes the limits,
 * as {@code DELETE} does. Bound strictly and checked with {@code @Valid}, as the key bodies are.
 *
 * @param rateLimit shared by all the owner's keys together, or {@code null} for none
 * @param quota shared by all the owner's keys together, or {@code null} for none
 */
@Schema(
        description =
                "An owner's shared limits; both are replaced. Left out or null: not set; {} removes"
                        + " the limits like DELETE. Unknown properties are refused.")
public record OwnerLimitsRequest(
        @Schema(description = "Shared by all the owner's keys together.", nullable = true) @Valid
                RateLimitJson rateLimit,
        @Schema(description = "Shared by all the owner's keys together.", nullable = true) @Valid
                QuotaJson quota) {

    /** Core's limits; call only after validation. */
    public UsageLimits toUsageLimits() {
        return UsageLimits.of(
                rateLimit == null ? null : rateLimit.toRateLimit(),
                quota == null ? null : quota.toQuota());
    }
}
