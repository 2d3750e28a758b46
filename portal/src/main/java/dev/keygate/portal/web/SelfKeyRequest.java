package dev.keygate.portal.web;

import dev.keygate.admin.web.InputLimits;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;

/**
 * The body of {@code POST /v1/self/keys}: unknown properties are refused, every violation is
 * reported with its field. The expiry is required: {@code expiresAt} or {@code ttl}, not both;
 * scopes come from the portal's catalogue, organisations from the caller's claim ({@code
 * SelfServiceKeys} checks both).
 *
 * @param name a human label, required
 * @param expiresAt when the key stops working (ISO-8601 instant)
 * @param ttl or how long it works from now (ISO-8601 duration)
 * @param scopes permissions from the catalogue
 * @param organizations organisations from the caller's claim
 */
public record SelfKeyRequest(
        @NotBlank(message = "give the key a name")
                @Size(max = InputLimits.MAX_NAME_LENGTH)
                @InputLimits.Text
                String name,
        Instant expiresAt,
        @DurationMin(nanos = 1, message = "must be positive")
                @DurationMax(
                        days = InputLimits.MAX_LIFETIME_DAYS,
                        message = "must be at most P3650D")
                Duration ttl,
        @Size(max = InputLimits.MAX_SCOPES) List<@InputLimits.Scope String> scopes,
        @Size(max = InputLimits.MAX_ORGANIZATIONS)
                List<@InputLimits.Organization String> organizations) {}
