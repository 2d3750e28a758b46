package dev.keygate.admin.problem;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.InitBinder;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.reactive.result.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Answers every error raised while a request is dispatched (no handler, wrong method or media type,
 * binding, validation, the service's {@link ProblemException}s and store failures) as an RFC 9457
 * {@code application/problem+json} document. Spring's {@link ResponseEntityExceptionHandler} picks
 * the status and headers of the framework's exceptions (e.g. {@code Allow} on 405); {@link
 * ProblemResolver} then gives the body the admin API's {@link ProblemType}, {@code errors} and
 * {@code requestId}, the same as for errors of the filters ({@link ProblemWebExceptionHandler}).
 * Stateless and thread-safe.
 */
@RestControllerAdvice
public class ProblemAdvice extends ResponseEntityExceptionHandler {

    /**
     * Binding results read the request objects' fields directly (records have no JavaBean getters),
     * so that a violation on {@code scopes[1]} or {@code metadata[team]} resolves its rejected
     * value.
     */
    @InitBinder
    public void readFieldsDirectly(WebDataBinder binder) {
        binder.initDirectFieldAccess();
    }

    /** What the framework does not map: the service's refusals, store failures, bugs. */
    @ExceptionHandler(Exception.class)
    public Mono<ResponseEntity<Object>> handleOther(Exception ex, ServerWebExchange exchange) {
        return handleExceptionInternal(
                ex, null, HttpHeaders.EMPTY, HttpStatusCode.valueOf(500), exchange);
    }

    @Override
    protected Mono<ResponseEntity<Object>> handleExceptionInternal(
            Exception ex,
            Object body,
            HttpHeaders headers,
            HttpStatusCode status,
            ServerWebExchange exchange) {
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(ex);
        }
        ResponseEntity<?> problem =
                ProblemResolver.resolve(
                        ex, headers == null ? HttpHeaders.EMPTY : headers, exchange);
        return createResponseEntity(
                problem.getBody(), problem.getHeaders(), problem.getStatusCode(), exchange);
    }
}
