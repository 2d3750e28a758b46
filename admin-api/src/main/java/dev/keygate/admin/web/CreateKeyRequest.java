package dev.keygate.admin.web;

import dev.keygate.core.limit.UsageLimits;
import dev.keygate.core.store.NewKey;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;

/**
 * The body of {@code POST /v1/keys}, bound by Jackson (unknown properties refused) and checked with
 * {@code @Valid} against the limits of {@link InputLimits}; every violation is reported, each with
 * its field.
 */
@Schema(description = "A key to create. Unknown properties are refused.")
@CreateKeyRequest.ExpiryOrTtl
public record CreateKeyRequest(
        @Schema(
                        requiredMode = Schema.RequiredMode.REQUIRED,
                        description = "The account the key belongs to.",
                        pattern = InputLimits.OWNER,
                        maxLength = InputLimits.MAX_OWNER_LENGTH)
                @NotBlank(message = "is required")
                @Size(max = InputLimits.MAX_OWNER_LENGTH)
                @Pattern(regexp = InputLimits.OWNER, message = InputLimits.OWNER_RULE)
                String owner,
        @Schema(description = "A human label.", maxLength = InputLimits.MAX_NAME_LENGTH)
                @Size(max = InputLimits.MAX_NAME_LENGTH)
                @InputLimits.Text
                String name,
        @Schema(
                        description =
                                "What the key may do, each 'resource' or 'resource:action'"
                                        + " (lower case; an action may be '*').")
                @ArraySchema(
                        schema = @Schema(pattern = InputLimits.SCOPE),
                        maxItems = InputLimits.MAX_SCOPES)
                @Size(max = InputLimits.MAX_SCOPES)
                List<@InputLimits.Scope String> scopes,
        @Schema(description = "Organisations the key acts for.")
                @ArraySchema(
                        schema = @Schema(pattern = InputLimits.ORGANIZATION),
                        maxItems = InputLimits.MAX_ORGANIZATIONS)
                @Size(max = InputLimits.MAX_ORGANIZATIONS)
                List<@InputLimits.Organization String> organizations,
        @Schema(description = "When the key stops working (ISO-8601 instant, in the future).")
                @WithinLifetime
                Instant expiresAt,
        @Schema(
                        description =
                                "Or: how long the key works from now (ISO-8601 duration);"
                                        + " not together with expiresAt.",
                        type = "string",
                        example = "P90D")
                @DurationMin(nanos = 1, message = "must be positive")
                @DurationMax(
                        days = InputLimits.MAX_LIFETIME_DAYS,
                        message = "must be at most P3650D")
                Duration ttl,
        @Schema(description = "Small free-form string map.") @InputLimits.Metadata
                Map<
                                @Pattern(
                                        regexp = InputLimits.METADATA_KEY,
                                        message = InputLimits.METADATA_KEY_RULE)
                                String,
                                @NotNull @Size(max = InputLimits.MAX_METADATA_VALUE_LENGTH)
                                @InputLimits.Text String>
                        metadata,
        @Schema(description = "The key's own rate limit; none when left out.") @Valid
                RateLimitJson rateLimit,
        @Schema(description = "The key's own quota; none when left out.") @Valid QuotaJson quota) {

    /**
     * The key to create, as of {@code now}: a {@code ttl} becomes an expiry from now, the name is
     * stripped, instants are kept to the millisecond, a rate limit without a burst gets a burst of
     * its requests.
     */
    public NewKey toNewKey(Instant now) {
        Instant millis = now.truncatedTo(ChronoUnit.MILLIS);
        Instant expiry =
                ttl != null
                        ? millis.plus(ttl)
                        : expiresAt == null ? null : expiresAt.truncatedTo(ChronoUnit.MILLIS);
        return new NewKey(
                        owner,
                        name == null ? null : name.strip(),
                        tokens(scopes),
                        tokens(organizations),
                        expiry,
                        metadata == null ? Map.of() : metadata)
                .withLimits(
                        UsageLimits.of(
                                rateLimit == null ? null : rateLimit.toRateLimit(),
                                quota == null ? null : quota.toQuota()));
    }

    static Set<String> tokens(List<String> values) {
        return values == null ? Set.of() : new LinkedHashSet<>(values);
    }

    /** Not both {@code expiresAt} and {@code ttl}; reported on {@code ttl}. */
    @Constraint(validatedBy = ExpiryOrTtl.Validator.class)
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @interface ExpiryOrTtl {

        String message() default "give either expiresAt or ttl, not both";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};

        /** Stateless and thread-safe. */
        final class Validator implements ConstraintValidator<ExpiryOrTtl, CreateKeyRequest> {
            @Override
            public boolean isValid(CreateKeyRequest value, ConstraintValidatorContext context) {
                if (value == null || value.expiresAt() == null || value.ttl() == null) {
                    return true;
                }
                context.disableDefaultConstraintViolation();
                context.buildConstraintViolationWithTemplate(
                                context.getDefaultConstraintMessageTemplate())
                        .addPropertyNode("ttl")
                        .addConstraintViolation();
                return false;
            }
        }
    }
}
