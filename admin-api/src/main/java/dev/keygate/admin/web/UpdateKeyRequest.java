package dev.keygate.admin.web;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code PATCH /v1/keys/{id}}: only the properties present change. {@code expiresAt:
 * null} removes the expiry; {@code metadata} replaces the whole map.
 */
@Schema(description = "A partial change. Properties left out stay as they are.")
public record UpdateKeyRequest(
        @Schema(maxLength = InputLimits.MAX_NAME_LENGTH) String name,
        @ArraySchema(
                        schema = @Schema(pattern = InputLimits.SCOPE),
                        maxItems = InputLimits.MAX_SCOPES)
                List<String> scopes,
        @ArraySchema(
                        schema = @Schema(pattern = InputLimits.ORGANIZATION),
                        maxItems = InputLimits.MAX_ORGANIZATIONS)
                List<String> organizations,
        @Schema(description = "A future instant, or null to remove the expiry.", nullable = true)
                Instant expiresAt,
        Boolean enabled,
        @Schema(description = "Replaces the whole metadata map.") Map<String, String> metadata) {}
