package dev.keygate.admin.problem;

import java.util.List;

/**
 * A refusal the admin API decided on, carried to {@link ProblemWebExceptionHandler}. Thrown (as an
 * error signal) before anything is written.
 */
public class ProblemException extends RuntimeException {

    private final ProblemType type;
    private final List<Problem.FieldError> errors;

    public ProblemException(ProblemType type, String detail) {
        this(type, detail, List.of());
    }

    public ProblemException(ProblemType type, String detail, List<Problem.FieldError> errors) {
        super(detail, null, false, false);
        this.type = type;
        this.errors = List.copyOf(errors);
    }

    /** An input problem about one field. */
    public static ProblemException invalid(String field, String detail) {
        return new ProblemException(
                ProblemType.VALIDATION,
                field + ": " + detail,
                List.of(new Problem.FieldError(field, detail)));
    }

    public static ProblemException notFound(String what) {
        return new ProblemException(ProblemType.NOT_FOUND, what);
    }

    public ProblemType type() {
        return type;
    }

    public List<Problem.FieldError> errors() {
        return errors;
    }
}
