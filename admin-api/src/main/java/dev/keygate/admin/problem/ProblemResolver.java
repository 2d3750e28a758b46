package dev.keygate.admin.problem;

import dev.keygate.admin.web.RequestIdWebFilter;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.MessageSourceResolvable;
import org.springframework.core.MethodParameter;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.FieldError;
import org.springframework.validation.method.ParameterErrors;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.support.WebExchangeBindException;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.MissingRequestValueException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Decides the problem document, status and headers for any error of the admin API: the one mapping
 * shared by {@link ProblemAdvice} (errors of controllers, argument binding and validation) and
 * {@link ProblemWebExceptionHandler} (errors of filters). Every answer carries a {@link
 * ProblemType} URI and title, and the request id as {@value ProblemType#REQUEST_ID}.
 *
 * <p>Failure policy: a store failure (Redis unreachable, timed out, or answering errors) is 503
 * with {@value #RETRY_AFTER_SECONDS} seconds {@code Retry-After}; the caller must retry, since the
 * change may or may not have been made. A create or rotate retried with the same {@code
 * Idempotency-Key} is safe: once the first attempt wrote, the retry finishes it and answers it
 * instead of writing again (see {@code IdempotencyStore}); retried without the header it may repeat
 * the change. Anything unexpected is 500 and logged; its message is not sent.
 *
 * <p>Input problems: every constraint violation of a body or of the parameters is listed in {@code
 * errors}, sorted by field. A body Jackson cannot bind (a value of the wrong JSON type, an unknown
 * property) stops at the first such property, so that one is the only entry. Stateless and
 * thread-safe.
 */
final class ProblemResolver {

    /** Seconds a client is asked to wait after a 503. */
    static final int RETRY_AFTER_SECONDS = 5;

    private static final Logger log = LoggerFactory.getLogger(ProblemResolver.class);

    private static final String STORE_UNAVAILABLE_DETAIL =
            "Redis could not be reached or did not answer; the change may have been made. Retry"
                    + " later: a create or rotate sent with an Idempotency-Key, with the same key"
                    + " (the retry completes and answers the first change, never makes a second);"
                    + " without one, read the key first, since a retry may repeat the change";

    private ProblemResolver() {}

    /**
     * The answer to {@code ex}.
     *
     * @param headers headers the framework already chose for it (e.g. {@code Allow}), or empty
     */
    static ResponseEntity<ProblemDetail> resolve(
            Throwable ex, HttpHeaders headers, ServerWebExchange exchange) {
        HttpHeaders out = new HttpHeaders();
        out.addAll(headers);
        ProblemDetail problem = problem(ex, out, exchange);
        problem.setProperty(ProblemType.REQUEST_ID, RequestIdWebFilter.requestId(exchange));
        return new ResponseEntity<>(problem, out, HttpStatusCode.valueOf(problem.getStatus()));
    }

    private static ProblemDetail problem(
            Throwable ex, HttpHeaders headers, ServerWebExchange exchange) {
        String path = exchange.getRequest().getPath().value();
        if (ex instanceof ProblemException problem) {
            problem.getHeaders().forEach(headers::put);
            return problem.getBody();
        }
        if (StoreFailures.isStoreFailure(ex)) {
            log.warn(
                    "Key store unavailable for {} (request {}): {}",
                    path,
                    RequestIdWebFilter.requestId(exchange),
                    ex.toString());
            headers.set(HttpHeaders.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
            return ProblemType.STORE_UNAVAILABLE.toProblemDetail(
                    STORE_UNAVAILABLE_DETAIL, List.of());
        }
        if (find(ex, DataBufferLimitException.class) != null
                || (ex instanceof ErrorResponse response
                        && response.getStatusCode().value() == 413)) {
            return ProblemType.PAYLOAD_TOO_LARGE.toProblemDetail(
                    "the request body is larger than allowed", List.of());
        }
        if (ex instanceof WebExchangeBindException bind) {
            return invalid(fieldErrors(bind.getAllErrors(), "body"));
        }
        if (ex instanceof HandlerMethodValidationException validation) {
            List<Problem.FieldError> errors = new ArrayList<>();
            validation
                    .getParameterValidationResults()
                    .forEach(
                            result ->
                                    errors.addAll(
                                            result instanceof ParameterErrors bean
                                                    ? fieldErrors(bean.getAllErrors(), "body")
                                                    : fieldErrors(
                                                            result.getResolvableErrors(),
                                                            name(result.getMethodParameter()))));
            return invalid(errors);
        }
        if (ex instanceof MissingRequestValueException missing) {
            boolean body = missing.getLabel().contains("body");
            String field = body ? "body" : missing.getName();
            return invalid(
                    List.of(
                            new Problem.FieldError(
                                    field, body ? "a JSON object is required" : "is required")));
        }
        if (ex instanceof UnsupportedMediaTypeStatusException media) {
            return ProblemType.UNSUPPORTED_MEDIA_TYPE.toProblemDetail(
                    "send the body as application/json"
                            + (media.getContentType() == null
                                    ? ""
                                    : ", not " + media.getContentType()),
                    List.of());
        }
        if (ex instanceof MethodNotAllowedException method) {
            return ProblemType.METHOD_NOT_ALLOWED.toProblemDetail(
                    method.getHttpMethod() + " is not allowed here", List.of());
        }
        if (ex instanceof NotAcceptableStatusException) {
            return ProblemType.NOT_ACCEPTABLE.toProblemDetail(
                    "this resource is available as application/json only", List.of());
        }
        if (ex instanceof ServerWebInputException input) {
            return unreadable(input);
        }
        if (ex instanceof ErrorResponse response && response.getStatusCode().value() == 404) {
            return ProblemType.NOT_FOUND.toProblemDetail("no resource at " + path, List.of());
        }
        if (ex instanceof ErrorResponse response && response.getStatusCode().is4xxClientError()) {
            response.getHeaders().forEach(headers::put);
            ProblemDetail problem =
                    ProblemType.BAD_REQUEST.toProblemDetail(
                            response.getBody().getDetail(), List.of());
            problem.setStatus(response.getStatusCode().value());
            return problem;
        }
        log.error(
                "Unexpected error on {} (request {})",
                path,
                RequestIdWebFilter.requestId(exchange),
                ex);
        return ProblemType.INTERNAL.toProblemDetail(
                "unexpected error; see the server log for request "
                        + RequestIdWebFilter.requestId(exchange),
                List.of());
    }

    /**
     * A body Jackson could not bind: a value of the wrong type or an unknown property names its
     * field (only the first, since Jackson stops there); anything else is malformed JSON. A query
     * parameter that does not convert (a {@code limit} that is not a number) names the parameter.
     */
    private static ProblemDetail unreadable(ServerWebInputException input) {
        JacksonException jackson = find(input, JacksonException.class);
        if (jackson instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
            String field = field(mismatch);
            return invalid(
                    List.of(
                            new Problem.FieldError(
                                    field,
                                    mismatch instanceof UnrecognizedPropertyException
                                            ? "is not a known property"
                                            : "is not valid: " + mismatch.getOriginalMessage())));
        }
        if (jackson != null || find(input, DatabindException.class) != null) {
            return ProblemType.MALFORMED_BODY.toProblemDetail(
                    "the body must be one JSON object"
                            + (jackson == null ? "" : ": " + jackson.getOriginalMessage()),
                    List.of());
        }
        MethodParameter parameter = input.getMethodParameter();
        if (parameter != null && parameter.hasParameterAnnotation(RequestBody.class)) {
            return invalid(List.of(new Problem.FieldError("body", "a JSON object is required")));
        }
        if (parameter != null && parameter.getParameterName() != null) {
            return invalid(List.of(new Problem.FieldError(name(parameter), "is not valid")));
        }
        return ProblemType.BAD_REQUEST.toProblemDetail(input.getReason(), List.of());
    }

    /** The validation problem listing {@code errors}. */
    private static ProblemDetail invalid(List<Problem.FieldError> errors) {
        List<Problem.FieldError> sorted =
                errors.stream()
                        .sorted(
                                Comparator.comparing(Problem.FieldError::field)
                                        .thenComparing(Problem.FieldError::detail))
                        .toList();
        String detail =
                sorted.stream()
                        .map(error -> error.field() + ": " + error.detail())
                        .collect(Collectors.joining("; "));
        return ProblemType.VALIDATION.toProblemDetail(detail, sorted);
    }

    private static List<Problem.FieldError> fieldErrors(
            List<? extends MessageSourceResolvable> errors, String field) {
        return errors.stream()
                .map(error -> new Problem.FieldError(field(error, field), message(error)))
                .toList();
    }

    private static String message(MessageSourceResolvable error) {
        return error.getDefaultMessage() == null ? "is not valid" : error.getDefaultMessage();
    }

    /**
     * The field as clients spell it: {@code scopes[2]}, {@code metadata.team}; {@code fallback}
     * (the body, or the parameter) for an error about the whole object.
     */
    private static String field(MessageSourceResolvable error, String fallback) {
        if (error instanceof FieldError field) {
            if (field.contains(ConstraintViolation.class)) {
                String path = field(field.unwrap(ConstraintViolation.class).getPropertyPath());
                return path.isEmpty() ? fallback : path;
            }
            return field.getField();
        }
        return fallback;
    }

    private static String field(Path path) {
        StringBuilder out = new StringBuilder();
        for (Path.Node node : path) {
            if (node.getIndex() != null) {
                out.append('[').append(node.getIndex()).append(']');
            } else if (node.getKey() != null) {
                out.append('.').append(node.getKey());
            }
            if (node.getKind() == ElementKind.PROPERTY) {
                out.append(out.isEmpty() ? "" : ".").append(node.getName());
            }
        }
        return out.toString();
    }

    private static String field(MismatchedInputException mismatch) {
        StringBuilder out = new StringBuilder();
        for (JacksonException.Reference reference : mismatch.getPath()) {
            if (reference.getPropertyName() != null) {
                out.append(out.isEmpty() ? "" : ".").append(reference.getPropertyName());
            } else if (reference.getIndex() >= 0) {
                out.append('[').append(reference.getIndex()).append(']');
            }
        }
        return abbreviate(out.toString());
    }

    /** A request parameter or header by the name clients send. */
    private static String name(MethodParameter parameter) {
        RequestHeader header = parameter.getParameterAnnotation(RequestHeader.class);
        if (header != null && !header.name().isEmpty()) {
            return header.name();
        }
        RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
        if (param != null && !param.name().isEmpty()) {
            return param.name();
        }
        return String.valueOf(parameter.getParameterName());
    }

    private static String abbreviate(String value) {
        String printable = value.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
    }

    private static <T extends Throwable> T find(Throwable ex, Class<T> type) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
