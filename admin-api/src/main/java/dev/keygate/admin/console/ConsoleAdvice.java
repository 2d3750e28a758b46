package dev.keygate.admin.console;

import dev.keygate.admin.auth.AdminAuthentication;
import dev.keygate.admin.auth.AdminRole;
import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.problem.ProblemType;
import dev.keygate.admin.problem.StoreFailures;
import dev.keygate.admin.web.RequestIdWebFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.reactive.result.view.CsrfRequestDataValueProcessor;
import org.springframework.security.web.server.csrf.CsrfToken;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.reactive.result.view.Rendering;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * What every console page shares: who is signed in and whether they may change anything (a {@code
 * read-only} token's pages show no button that changes anything; the security chain refuses such
 * changes anyway), the CSRF token for the forms, and the error pages (a refusal's detail is shown,
 * it never holds a secret; an unexpected error is logged with its request id, shown without its
 * message). Ordered before the API's global problem advice, so console errors are pages.
 */
@ControllerAdvice(assignableTypes = ConsoleController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
public class ConsoleAdvice {

    private static final Logger log = LoggerFactory.getLogger(ConsoleAdvice.class);

    @ModelAttribute("admin")
    public Mono<String> admin(ServerWebExchange exchange) {
        return exchange.getPrincipal()
                .filter(AdminAuthentication.class::isInstance)
                .map(principal -> ((AdminAuthentication) principal).getPrincipal())
                .map(admin -> admin.name() + " (" + admin.role().value() + ")")
                .defaultIfEmpty("");
    }

    @ModelAttribute("canChange")
    public Mono<Boolean> canChange(ServerWebExchange exchange) {
        return exchange.getPrincipal()
                .filter(AdminAuthentication.class::isInstance)
                .map(
                        principal ->
                                ((AdminAuthentication) principal).getPrincipal().role()
                                        == AdminRole.ADMIN)
                .defaultIfEmpty(false);
    }

    @ModelAttribute("_csrf")
    public Mono<CsrfToken> csrfToken(ServerWebExchange exchange) {
        Mono<CsrfToken> token = exchange.getAttribute(CsrfToken.class.getName());
        return token == null
                ? Mono.empty()
                : token.doOnNext(
                        resolved ->
                                exchange.getAttributes()
                                        .put(
                                                CsrfRequestDataValueProcessor
                                                        .DEFAULT_CSRF_ATTR_NAME,
                                                resolved));
    }

    @ExceptionHandler(ProblemException.class)
    public Rendering problem(ProblemException problem, ServerWebExchange exchange) {
        String heading =
                switch (problem.type()) {
                    case NOT_FOUND -> "Not found";
                    case VALIDATION -> "That is not valid";
                    case NO_GRACE_PERIOD -> "No grace period to end";
                    case STORE_UNAVAILABLE -> "The key store is unavailable";
                    default -> problem.type().title();
                };
        return error(problem.type().status(), heading, problem.getBody().getDetail(), exchange);
    }

    /** The framework's refusals (a parameter that does not convert, a missing form field): 4xx. */
    @ExceptionHandler(org.springframework.web.server.ResponseStatusException.class)
    public Rendering refused(
            org.springframework.web.server.ResponseStatusException refused,
            ServerWebExchange exchange) {
        HttpStatus status = HttpStatus.resolve(refused.getStatusCode().value());
        return error(
                status == null ? HttpStatus.BAD_REQUEST : status,
                "That did not work",
                refused.getReason() == null ? "The request was not valid." : refused.getReason(),
                exchange);
    }

    @ExceptionHandler(Exception.class)
    public Rendering unexpected(Exception error, ServerWebExchange exchange) {
        if (StoreFailures.isStoreFailure(error) || timedOut(error)) {
            log.warn(
                    "console: key store unavailable, request {}: {}",
                    RequestIdWebFilter.requestId(exchange),
                    error.toString());
            return error(
                    ProblemType.STORE_UNAVAILABLE.status(),
                    "The key store is unavailable",
                    "Redis could not be reached or did not answer. If you were making a"
                            + " change, it may have been made: reload the key before trying"
                            + " again.",
                    exchange);
        }
        log.error("console page failed, request {}", RequestIdWebFilter.requestId(exchange), error);
        return error(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The error was logged with request id "
                        + RequestIdWebFilter.requestId(exchange)
                        + ".",
                exchange);
    }

    /** A store call (or the gateway registry's read) that did not answer in time. */
    private static boolean timedOut(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * An error page, with the header's signed-in admin and CSRF token (an exception handler's view
     * does not get the {@code @ModelAttribute}s; WebFlux resolves these Monos before rendering).
     */
    private Rendering error(
            HttpStatus status, String heading, String detail, ServerWebExchange exchange) {
        return Rendering.view("console/error")
                .status(status)
                .modelAttribute("heading", heading)
                .modelAttribute("detail", detail == null ? "" : detail)
                .modelAttribute("admin", admin(exchange))
                .modelAttribute("canChange", canChange(exchange))
                .modelAttribute("_csrf", csrfToken(exchange))
                .build();
    }
}
