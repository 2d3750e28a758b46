package dev.keygate.admin.web;

import dev.keygate.admin.config.AdminProperties;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;

/**
 * A rotation's grace period: not negative and at most {@code keygate.admin.max-grace-period}.
 * {@code null} is valid (no grace).
 */
@Documented
@Constraint(validatedBy = WithinMaxGracePeriod.Validator.class)
@Target({ElementType.FIELD, ElementType.RECORD_COMPONENT})
@Retention(RetentionPolicy.RUNTIME)
public @interface WithinMaxGracePeriod {

    String message() default "must be from PT0S to keygate.admin.max-grace-period";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Checks against the configured maximum (constructor injection); thread-safe. */
    final class Validator implements ConstraintValidator<WithinMaxGracePeriod, Duration> {

        private final Duration max;

        public Validator(AdminProperties properties) {
            this.max = properties.maxGracePeriod();
        }

        @Override
        public boolean isValid(Duration value, ConstraintValidatorContext context) {
            if (value == null || (!value.isNegative() && value.compareTo(max) <= 0)) {
                return true;
            }
            context.disableDefaultConstraintViolation();
            context.buildConstraintViolationWithTemplate(
                            value.isNegative() ? "must not be negative" : "must be at most " + max)
                    .addConstraintViolation();
            return false;
        }
    }
}
