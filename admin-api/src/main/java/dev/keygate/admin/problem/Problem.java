package dev.keygate.admin.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.net.URI;
import java.util.List;

/**
 * The shape of every RFC 9457 problem document the admin API sends ({@code
 * application/problem+json}), as the OpenAPI contract documents it. The documents themselves are
 * Spring {@link org.springframework.http.ProblemDetail}s built by {@link
 * ProblemType#toProblemDetail}; this record names their members for the contract, and {@link
 * FieldError} is the element of {@code errors}.
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
