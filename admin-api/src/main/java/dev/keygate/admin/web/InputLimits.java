package dev.keygate.admin.web;

import dev.keygate.core.limit.RateLimit;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;

/**
 * The limits on admin input, documented in the README and the OpenAPI contract, and used by the
 * Jakarta constraints of the request records. Anything outside them is refused with a {@code
 * validation} problem naming the field, before anything is written.
 */
public final class InputLimits {

    /** Owner: 1–128 characters, starts with a letter or digit; no spaces or braces. */
    public static final String OWNER = "^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$";

    public static final int MAX_OWNER_LENGTH = 128;

    /** What a refused owner is told. */
    public static final String OWNER_RULE =
            "must be 1-128 letters, digits or . _ : @ - and start with a letter or digit";

    /** Names and metadata values: no control characters. */
    public static final String NO_CONTROL_CHARACTERS = "\\P{Cc}*";

    /** Name: 0–200 characters, no control characters. */
    public static final int MAX_NAME_LENGTH = 200;

    /**
     * Scope grammar: {@code resource(:action)*}, lower case, at most 5 segments; the first segment
     * starts with a letter, any later one may be {@code *}. Examples: {@code orders}, {@code
     * orders:read}, {@code orders:*}, {@code billing:invoices:write}.
     */
    public static final String SCOPE = "^[a-z][a-z0-9_-]{0,63}(:([a-z0-9_-]{1,64}|\\*)){0,4}$";

    /** What a refused scope is told. */
    public static final String SCOPE_RULE =
            "must be 'resource' or 'resource:action' in lower case (grammar "
                    + SCOPE
                    + ", at most 128 characters)";

    /** Organisation: 1–128 characters, letters, digits, {@code . _ -}. */
    public static final String ORGANIZATION = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";

    /** What a refused organisation is told. */
    public static final String ORGANIZATION_RULE =
            "must be 1-128 letters, digits or . _ - and start with a letter or digit";

    /** Metadata key: 1–64 characters, letters, digits, {@code . _ -}. */
    public static final String METADATA_KEY = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

    /** What a refused metadata name is told. */
    public static final String METADATA_KEY_RULE =
            "a metadata name must be 1-64 letters, digits or . _ - and start with a letter or digit";

    /** A key id as a query parameter ({@code cursor}, {@code keyId}); empty means none. */
    public static final String KEY_ID_OR_EMPTY = "([0-9A-Za-z]{11})?";

    /** Idempotency-Key: 1-255 visible ASCII characters. */
    public static final String IDEMPOTENCY_KEY = "[\\x21-\\x7e]{1,255}";

    public static final int MAX_SCOPE_LENGTH = 128;
    public static final int MAX_SCOPES = 64;
    public static final int MAX_ORGANIZATIONS = 64;
    public static final int MAX_METADATA_ENTRIES = 32;
    public static final int MAX_METADATA_VALUE_LENGTH = 256;

    /** The furthest expiry (from now) and the longest ttl, in days: about ten years. */
    public static final int MAX_LIFETIME_DAYS = 3650;

    /** The furthest expiry (from now) and the longest ttl: about ten years. */
    public static final Duration MAX_LIFETIME = Duration.ofDays(MAX_LIFETIME_DAYS);

    /** Default and maximum page sizes of listings. */
    public static final int DEFAULT_PAGE_SIZE = 50;

    public static final int MAX_PAGE_SIZE = 500;

    /** Idempotency-Key: 1–255 visible ASCII characters. */
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;

    /** The most requests a rate limit, its burst or a quota can name (core's limit). */
    public static final long MAX_LIMIT_REQUESTS = RateLimit.MAX_REQUESTS;

    /** What a refused request count is told. */
    public static final String LIMIT_REQUESTS_RULE = "must be 1 to 1000000000";

    /** What a refused rate-limit period is told. */
    public static final String RATE_PER_RULE =
            "must be whole seconds from PT1S to P1D (an ISO-8601 duration such as PT1S, PT1M)";

    /** A quota period: {@code day} or {@code month} (UTC calendar periods). */
    public static final String QUOTA_PERIOD = "^(day|month)$";

    /** What a refused quota period is told. */
    public static final String QUOTA_PERIOD_RULE = "must be 'day' or 'month'";

    private InputLimits() {}

    /** A scope: the {@link #SCOPE} grammar, at most {@value #MAX_SCOPE_LENGTH} characters. */
    @Documented
    @NotNull
    @Size(max = MAX_SCOPE_LENGTH, message = SCOPE_RULE)
    @Pattern(regexp = SCOPE, message = SCOPE_RULE)
    @Constraint(validatedBy = {})
    @Target(ElementType.TYPE_USE)
    @Retention(RetentionPolicy.RUNTIME)
    public @interface Scope {
        String message() default SCOPE_RULE;

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /** An organisation: {@link #ORGANIZATION}. */
    @Documented
    @NotNull
    @Pattern(regexp = ORGANIZATION, message = ORGANIZATION_RULE)
    @Constraint(validatedBy = {})
    @Target(ElementType.TYPE_USE)
    @Retention(RetentionPolicy.RUNTIME)
    public @interface Organization {
        String message() default ORGANIZATION_RULE;

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /**
     * Metadata: names by {@link #METADATA_KEY}, values short strings without control characters.
     */
    @Documented
    @Size(max = MAX_METADATA_ENTRIES)
    @Constraint(validatedBy = {})
    @Target({ElementType.FIELD, ElementType.RECORD_COMPONENT, ElementType.PARAMETER})
    @Retention(RetentionPolicy.RUNTIME)
    public @interface Metadata {
        String message() default "is not valid metadata";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /** Free text (a name, a metadata value): no control characters. */
    @Documented
    @Pattern(regexp = NO_CONTROL_CHARACTERS, message = "must not contain control characters")
    @Constraint(validatedBy = {})
    @Target({ElementType.FIELD, ElementType.RECORD_COMPONENT, ElementType.TYPE_USE})
    @Retention(RetentionPolicy.RUNTIME)
    public @interface Text {
        String message() default "must not contain control characters";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /**
     * A request count of a limit (a rate limit's requests or burst, a quota's requests): 1 to
     * {@value #MAX_LIMIT_REQUESTS}. {@code null} is valid (say {@code @NotNull} where it is
     * required).
     */
    @Documented
    @Min(value = 1, message = LIMIT_REQUESTS_RULE)
    @Max(value = MAX_LIMIT_REQUESTS, message = LIMIT_REQUESTS_RULE)
    @Constraint(validatedBy = {})
    @Target({ElementType.FIELD, ElementType.RECORD_COMPONENT, ElementType.TYPE_USE})
    @Retention(RetentionPolicy.RUNTIME)
    public @interface LimitRequests {
        String message() default LIMIT_REQUESTS_RULE;

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /**
     * A rate limit's refill period: whole seconds from {@link RateLimit#MIN_PER} to {@link
     * RateLimit#MAX_PER}, as core's {@code RateLimit} accepts it. {@code null} is valid (say
     * {@code @NotNull} where it is required).
     */
    @Documented
    @Constraint(validatedBy = RatePer.Validator.class)
    @Target({ElementType.FIELD, ElementType.RECORD_COMPONENT, ElementType.TYPE_USE})
    @Retention(RetentionPolicy.RUNTIME)
    public @interface RatePer {
        String message() default RATE_PER_RULE;

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};

        /** Stateless and thread-safe. */
        final class Validator implements ConstraintValidator<RatePer, Duration> {
            @Override
            public boolean isValid(Duration value, ConstraintValidatorContext context) {
                return value == null
                        || (value.getNano() == 0
                                && value.compareTo(RateLimit.MIN_PER) >= 0
                                && value.compareTo(RateLimit.MAX_PER) <= 0);
            }
        }
    }

    /** A quota period: {@link #QUOTA_PERIOD}. {@code null} is valid. */
    @Documented
    @Pattern(regexp = QUOTA_PERIOD, message = QUOTA_PERIOD_RULE)
    @Constraint(validatedBy = {})
    @Target({ElementType.FIELD, ElementType.RECORD_COMPONENT, ElementType.TYPE_USE})
    @Retention(RetentionPolicy.RUNTIME)
    public @interface QuotaPeriod {
        String message() default QUOTA_PERIOD_RULE;

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }
}
