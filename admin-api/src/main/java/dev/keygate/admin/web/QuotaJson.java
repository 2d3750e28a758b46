package dev.keygate.admin.web;

import dev.keygate.core.limit.Quota;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.NotNull;

/**
 * A quota as the admin API reads and writes it: at most {@code requests} per UTC calendar day or
 * month. Bound strictly (unknown properties refused) and checked against {@link InputLimits} before
 * core's {@link Quota} is made, so that a refusal names its field.
 *
 * @param requests requests a period allows, 1 to 10^9
 * @param period {@code day} or {@code month}
 */
@Schema(
        name = "Quota",
        description =
                "At most 'requests' per UTC calendar day or month, counted from its start."
                        + " Unknown properties are refused.")
public record QuotaJson(
        @Schema(
                        requiredMode = Schema.RequiredMode.REQUIRED,
                        minimum = "1",
                        maximum = "1000000000",
                        example = "100000")
                @NotNull(message = "is required")
                @InputLimits.LimitRequests
                Long requests,
        @Schema(
                        requiredMode = Schema.RequiredMode.REQUIRED,
                        allowableValues = {"day", "month"})
                @NotNull(message = "is required")
                @InputLimits.QuotaPeriod
                String period) {

    /** The view of core's quota. */
    public static QuotaJson of(Quota quota) {
        return quota == null ? null : new QuotaJson(quota.requests(), quota.period().value());
    }

    /** Core's quota; call only after validation. */
    public Quota toQuota() {
        return new Quota(requests, Quota.Period.parse(period));
    }
}
