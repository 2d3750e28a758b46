package dev.keygate.admin.web;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * An expiry: after now and at most {@link InputLimits#MAX_LIFETIME} from now, judged with the
 * application's {@link Clock} bean (so tests that move the clock move this rule too). {@code null}
 * is valid (no expiry).
 */
@Documented
@Constraint(validatedBy = WithinLifetime.Validator.class)
@Target({ElementType.FIELD, ElementType.RECORD_COMPONENT, ElementType.TYPE_USE})
@Retention(RetentionPolicy.RUNTIME)
public @interface WithinLifetime {

    String message() default "must be in the future and at most P3650D from now";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /**
     * Checks the rule against the injected clock, to the millisecond. Created by Spring's
     * constraint validator factory (constructor injection); stateless apart from the clock, and
     * thread-safe.
     */
    final class Validator implements ConstraintValidator<WithinLifetime, Instant> {

        private final Clock clock;

        public Validator(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
        }

        @Override
        public boolean isValid(Instant value, ConstraintValidatorContext context) {
            if (value == null) {
                return true;
            }
            Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            String problem =
                    !value.isAfter(now)
                            ? "must be in the future (now is " + now + ")"
                            : value.isAfter(now.plus(InputLimits.MAX_LIFETIME))
                                    ? "must be at most " + InputLimits.MAX_LIFETIME + " from now"
                                    : null;
            if (problem == null) {
                return true;
            }
            context.disableDefaultConstraintViolation();
            context.buildConstraintViolationWithTemplate(problem).addConstraintViolation();
            return false;
        }
    }
}
