package dev.keygate.portal.web;

import dev.keygate.admin.problem.ProblemAdvice;
import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.problem.ProblemType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.AuthenticationException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The admin API's problem mapping (RFC 9457 documents with the admin API's problem types, field
 * errors and request id), for the self-service API only: the pages have their own error pages
 * ({@link PortalPageAdvice}).
 */
@RestControllerAdvice(assignableTypes = SelfKeyController.class)
public class SelfServiceProblemAdvice extends ProblemAdvice {

    /** A valid token whose owner claim is unusable ({@code PortalUsers}): 403, not a bug. */
    @ExceptionHandler(AuthenticationException.class)
    public Mono<ResponseEntity<Object>> unusableToken(
            AuthenticationException refused, ServerWebExchange exchange) {
        return handleOther(
                new ProblemException(ProblemType.FORBIDDEN, refused.getMessage()), exchange);
    }
}
