package dev.keygate.admin.web;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.keygate.core.limit.RateLimit;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;

/**
 * A rate limit as the admin API reads and writes it: {@code requests} every {@code per}, at most
 * {@code burst} at once. Bound strictly (unknown properties refused) and checked against {@link
 * InputLimits} before core's {@link RateLimit} is made, so that a refusal names its field.
 *
 * @param requests requests refilled every {@code per}, 1 to 10^9
 * @param per the refill period, an ISO-8601 duration of whole seconds from PT1S to P1D
 * @param burst the most requests at once, 1 to 10^9; {@code requests} when left out
 */
@Schema(
        name = "RateLimit",
        description =
                "At most 'burst' requests at once, refilled at 'requests' every 'per'. Unknown"
                        + " properties are refused.")
public record RateLimitJson(
        @Schema(
                        requiredMode = Schema.RequiredMode.REQUIRED,
                        minimum = "1",
                        maximum = "1000000000",
                        example = "100")
                @NotNull(message = "is required")
                @InputLimits.LimitRequests
                Long requests,
        @Schema(
                        requiredMode = Schema.RequiredMode.REQUIRED,
                        description = "ISO-8601 duration, whole seconds from PT1S to P1D.",
                        type = "string",
                        example = "PT1S")
                @NotNull(message = "is required")
                @InputLimits.RatePer
                Duration per,
        @Schema(
                        description = "Default: requests.",
                        minimum = "1",
                        maximum = "1000000000",
                        example = "200")
                @InputLimits.LimitRequests
                Long burst) {

    /**
     * At most {@value RateLimit#MAX_PER_SECOND} requests a second (one a microsecond, the limit
     * script's resolution); checked only when both members are valid on their own.
     */
    @JsonIgnore
    @Schema(hidden = true)
    @AssertTrue(message = "must be at most " + RateLimit.MAX_PER_SECOND + " requests a second")
    public boolean isRate() {
        return requests == null
                || requests < 1
                || requests > RateLimit.MAX_REQUESTS
                || per == null
                || per.isNegative()
                || per.getSeconds() < 1
                || requests <= RateLimit.MAX_PER_SECOND * per.getSeconds();
    }

    /** The view of core's rate limit. */
    public static RateLimitJson of(RateLimit limit) {
        return limit == null
                ? null
                : new RateLimitJson(limit.requests(), limit.per(), limit.burst());
    }

    /** Core's rate limit; call only after validation. */
    public RateLimit toRateLimit() {
        return new RateLimit(requests, per, burst == null ? requests : burst);
    }
}
