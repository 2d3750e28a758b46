package dev.keygate.admin.web;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Duration;

/** The optional body of {@code POST /v1/keys/{id}/rotate}. */
@Schema(description = "How to rotate. The body may be left out.")
public record RotateKeyRequest(
        @Schema(
                        description =
                                "How long the replaced key keeps working (ISO-8601 duration,"
                                        + " default PT0S = it stops at once; at most"
                                        + " keygate.admin.max-grace-period, default P7D).",
                        type = "string",
                        example = "PT1H")
                @WithinMaxGracePeriod
                Duration gracePeriod) {

    /** The grace period of a rotation with this body, or without one ({@code null}): zero. */
    public static Duration gracePeriodOf(RotateKeyRequest body) {
        return body == null || body.gracePeriod() == null ? Duration.ZERO : body.gracePeriod();
    }
}
