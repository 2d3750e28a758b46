package dev.keygate.admin.problem;

import java.util.List;
import org.springframework.web.ErrorResponseException;

/**
 * A refusal the admin API decided on: an {@link ErrorResponseException} whose {@link
 * org.springframework.http.ProblemDetail} already carries the {@link ProblemType}'s URI, title and
 * status, and the offending fields as the {@code errors} member. Rendered by {@link ProblemAdvice}
 * when a controller or the service raises it, and by {@link ProblemWebExceptionHandler} when a
 * filter does (authentication, body size). Thrown (as an error signal) before anything is written.
 */
public class ProblemException extends ErrorResponseException {

    private final ProblemType type;

    public ProblemException(ProblemType type, String detail) {
        this(type, detail, List.of());
    }

    public ProblemException(ProblemType type, String detail, List<Problem.FieldError> errors) {
        super(type.status(), type.toProblemDetail(detail, errors), null);
        this.type = type;
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

    @Override
    public String getMessage() {
        return getBody().getDetail();
    }
}
