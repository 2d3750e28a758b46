package dev.keygate.admin.problem;

import dev.keygate.admin.auth.AdminAccessDeniedException;
import dev.keygate.admin.auth.AdminAuthenticationException;
import dev.keygate.admin.web.RequestIdWebFilter;
import dev.keygate.admin.web.RequestSizeWebFilter.PayloadTooLargeException;
import io.lettuce.core.RedisException;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.MissingRequestValueException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;

/**
 * Writes every error of the admin API as an RFC 9457 {@code application/problem+json} document (see
 * {@link ProblemType} for the types). Runs before Spring Boot's error handler, so no error leaves
 * in another shape.
 *
 * <p>Failure policy: a store failure (Redis unreachable, timed out, or answering errors) is 503
 * with {@value #RETRY_AFTER_SECONDS} seconds {@code Retry-After}; the caller must retry, since the
 * change may or may not have been made. A create or rotate retried with the same {@code
 * Idempotency-Key} is safe: once the first attempt wrote, the retry finishes it and answers it
 * instead of writing again (see {@code IdempotencyStore}); retried without the header it may repeat
 * the change. Anything unexpected is 500 and logged; its message is not sent. Stateless and
 * thread-safe.
 */
public final class ProblemWebExceptionHandler implements WebExceptionHandler, Ordered {

    /** Seconds a client is asked to wait after a 503. */
    public static final int RETRY_AFTER_SECONDS = 5;

    private static final Logger log = LoggerFactory.getLogger(ProblemWebExceptionHandler.class);

    private final ObjectMapper json;

    public ProblemWebExceptionHandler(ObjectMapper json) {
        this.json = Objects.requireNonNull(json, "json");
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(ex);
        }
        Problem problem = toProblem(exchange, ex, response.getHeaders());
        byte[] body = json.writeValueAsBytes(problem);
        response.setStatusCode(HttpStatusCode.valueOf(problem.status()));
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        response.getHeaders().setContentLength(body.length);
        DataBuffer buffer = response.bufferFactory().wrap(body);
        return response.writeWith(Mono.just(buffer));
    }

    Problem toProblem(ServerWebExchange exchange, Throwable ex, HttpHeaders headers) {
        String path = exchange.getRequest().getPath().value();
        String requestId = RequestIdWebFilter.requestId(exchange);
        if (ex instanceof ProblemException problem) {
            return problem(problem.type(), problem.getMessage(), problem.errors(), path, requestId);
        }
        if (ex instanceof AdminAuthenticationException) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"keygate-admin\"");
            return problem(ProblemType.UNAUTHORIZED, ex.getMessage(), List.of(), path, requestId);
        }
        if (ex instanceof AdminAccessDeniedException) {
            return problem(ProblemType.FORBIDDEN, ex.getMessage(), List.of(), path, requestId);
        }
        if (ex instanceof PayloadTooLargeException) {
            return problem(
                    ProblemType.PAYLOAD_TOO_LARGE, ex.getMessage(), List.of(), path, requestId);
        }
        if (find(ex, DataBufferLimitException.class) != null) {
            return problem(
                    ProblemType.PAYLOAD_TOO_LARGE,
                    "the request body is larger than allowed",
                    List.of(),
                    path,
                    requestId);
        }
        if (isStoreFailure(ex)) {
            log.warn(
                    "Key store unavailable for {} (request {}): {}",
                    path,
                    requestId,
                    ex.toString());
            headers.set(HttpHeaders.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
            return problem(
                    ProblemType.STORE_UNAVAILABLE,
                    "Redis could not be reached or did not answer; the change may have been"
                            + " made. Retry later: a create or rotate sent with an"
                            + " Idempotency-Key, with the same key (the retry completes and"
                            + " answers the first change, never makes a second); without one,"
                            + " read the key first, since a retry may repeat the change",
                    List.of(),
                    path,
                    requestId);
        }
        if (ex instanceof ResponseStatusException status) {
            return fromStatus(status, headers, path, requestId);
        }
        log.error("Unexpected error on {} (request {})", path, requestId, ex);
        return problem(
                ProblemType.INTERNAL,
                "unexpected error; see the server log for request " + requestId,
                List.of(),
                path,
                requestId);
    }

    private Problem fromStatus(
            ResponseStatusException ex, HttpHeaders headers, String path, String requestId) {
        if (ex instanceof UnsupportedMediaTypeStatusException media) {
            return problem(
                    ProblemType.UNSUPPORTED_MEDIA_TYPE,
                    "send the body as application/json"
                            + (media.getContentType() == null
                                    ? ""
                                    : ", not " + media.getContentType()),
                    List.of(),
                    path,
                    requestId);
        }
        if (ex instanceof MethodNotAllowedException method) {
            if (!method.getSupportedMethods().isEmpty()) {
                headers.setAllow(method.getSupportedMethods());
            }
            return problem(
                    ProblemType.METHOD_NOT_ALLOWED,
                    method.getHttpMethod() + " is not allowed here",
                    List.of(),
                    path,
                    requestId);
        }
        if (ex instanceof NotAcceptableStatusException) {
            return problem(
                    ProblemType.NOT_ACCEPTABLE,
                    "this resource is available as application/json only",
                    List.of(),
                    path,
                    requestId);
        }
        if (ex instanceof MissingRequestValueException missing) {
            String field = missing.getName();
            String detail =
                    "body".equals(missing.getLabel()) || "request body".equals(missing.getLabel())
                            ? "a JSON body is required"
                            : "is required";
            return problem(
                    ProblemType.VALIDATION,
                    field + ": " + detail,
                    List.of(new Problem.FieldError(field, detail)),
                    path,
                    requestId);
        }
        if (ex instanceof ServerWebInputException input) {
            if (find(ex, DecodingException.class) != null
                    || find(ex, JacksonException.class) != null) {
                JacksonException jackson = find(ex, JacksonException.class);
                String detail =
                        jackson == null
                                ? "the body must be one JSON object"
                                : "the body must be one JSON object: "
                                        + jackson.getOriginalMessage();
                return problem(ProblemType.MALFORMED_BODY, detail, List.of(), path, requestId);
            }
            if (input.getMethodParameter() != null
                    && input.getMethodParameter().getParameterName() != null) {
                String field = input.getMethodParameter().getParameterName();
                String detail = "is not valid";
                return problem(
                        ProblemType.VALIDATION,
                        field + ": " + detail,
                        List.of(new Problem.FieldError(field, detail)),
                        path,
                        requestId);
            }
            return problem(ProblemType.BAD_REQUEST, input.getReason(), List.of(), path, requestId);
        }
        if (ex.getStatusCode().value() == 404) {
            return problem(
                    ProblemType.NOT_FOUND, "no resource at " + path, List.of(), path, requestId);
        }
        if (ex.getStatusCode().is5xxServerError()) {
            log.error("Server error on {} (request {})", path, requestId, ex);
            return problem(
                    ProblemType.INTERNAL,
                    "unexpected error; see the server log for request " + requestId,
                    List.of(),
                    path,
                    requestId);
        }
        return new Problem(
                ProblemType.BAD_REQUEST.uri(),
                ProblemType.BAD_REQUEST.title(),
                ex.getStatusCode().value(),
                ex.getReason(),
                path,
                requestId,
                List.of());
    }

    private static boolean isStoreFailure(Throwable ex) {
        return find(ex, DataAccessException.class) != null
                || find(ex, RedisException.class) != null;
    }

    private static Problem problem(
            ProblemType type,
            String detail,
            List<Problem.FieldError> errors,
            String path,
            String requestId) {
        return new Problem(
                type.uri(), type.title(), type.status().value(), detail, path, requestId, errors);
    }

    private static <T extends Throwable> T find(Throwable ex, Class<T> type) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    @Override
    public int getOrder() {
        // before Spring Boot's DefaultErrorWebExceptionHandler (-1)
        return -2;
    }
}
