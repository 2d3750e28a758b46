package dev.keygate.admin.web;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /v1/keys}, as documented in the OpenAPI contract. The body is read and
 * checked by {@link KeyRequestReader}, which enforces the limits in {@link InputLimits}.
 */
@Schema(description = "A key to create. Unknown properties are refused.")
public record CreateKeyRequest(
        @Schema(
                        requiredMode = Schema.RequiredMode.REQUIRED,
                        description = "The account the key belongs to.",
                        pattern = InputLimits.OWNER,
                        maxLength = InputLimits.MAX_OWNER_LENGTH)
                String owner,
        @Schema(description = "A human label.", maxLength = InputLimits.MAX_NAME_LENGTH)
                String name,
        @Schema(
                        description =
                                "What the key may do, each 'resource' or 'resource:action'"
                                        + " (lower case; an action may be '*').")
                @ArraySchema(
                        schema = @Schema(pattern = InputLimits.SCOPE),
                        maxItems = InputLimits.MAX_SCOPES)
                List<String> scopes,
        @Schema(description = "Organisations the key acts for.")
                @ArraySchema(
                        schema = @Schema(pattern = InputLimits.ORGANIZATION),
                        maxItems = InputLimits.MAX_ORGANIZATIONS)
                List<String> organizations,
        @Schema(description = "When the key stops working (ISO-8601 instant, in the future).")
                Instant expiresAt,
        @Schema(
                        description =
                                "Or: how long the key works from now (ISO-8601 duration);"
                                        + " not together with expiresAt.",
                        type = "string",
                        example = "P90D")
                Duration ttl,
        @Schema(description = "Small free-form string map.") Map<String, String> metadata) {}
