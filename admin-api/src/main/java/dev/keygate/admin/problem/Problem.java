package dev.keygate.admin.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.net.URI;
import java.util.List;

/**
 * An RFC 9457 problem document, as sent with {@code application/problem+json}.
 *
 * @param type a stable {@link ProblemType} URI
 * @param title the type's short human summary
 * @param status the HTTP status
 * @param detail what went wrong with this request
 * @param instance the request path
 * @param requestId the request's {@code X-Request-Id}
 * @param errors the offending fields, when the problem is about input
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(
        URI type,
        String title,
        int status,
        String detail,
        String instance,
        String requestId,
        List<FieldError> errors) {

    public Problem {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    /**
     * One offending field.
     *
     * @param field the JSON property, query parameter or header (for example {@code scopes[2]})
     * @param detail what is wrong with it
     */
    public record FieldError(String field, String detail) {}
}
