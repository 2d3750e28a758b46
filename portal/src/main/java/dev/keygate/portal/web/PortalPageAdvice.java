package dev.keygate.portal.web;

import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.problem.StoreFailures;
import dev.keygate.portal.config.PortalProperties;
import dev.keygate.portal.user.PortalUsers;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.reactive.result.view.CsrfRequestDataValueProcessor;
import org.springframework.security.web.server.csrf.CsrfToken;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.reactive.result.view.Rendering;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import reactor.core.publisher.Mono;

/**
 * What every page of {@link PortalPageController} shares: the product title, the signed-in user for
 * the header, the CSRF token for the forms (resolved here, as Spring Security's WebFlux integration
 * asks, so templates can render it), and the error pages. A refusal's detail is shown (it never
 * holds a secret); an unexpected error is logged with its request id and shown without its message.
 * Stateless and thread-safe.
 */
@ControllerAdvice(assignableTypes = PortalPageController.class)
public class PortalPageAdvice {

    private static final Logger log = LoggerFactory.getLogger(PortalPageAdvice.class);

    private final PortalProperties properties;
    private final PortalUsers users;

    public PortalPageAdvice(PortalProperties properties, PortalUsers users) {
        this.properties = Objects.requireNonNull(properties, "properties");
        this.users = Objects.requireNonNull(users, "users");
    }

    @ModelAttribute("portalTitle")
    public String portalTitle() {
        return properties.title();
    }

    @ModelAttribute("userName")
    public Mono<String> userName(ServerWebExchange exchange) {
        return exchange.getPrincipal()
                .filter(Authentication.class::isInstance)
                .map(
                        principal -> {
                            try {
                                return users.from((Authentication) principal).displayName();
                            } catch (AuthenticationException unusable) {
                                return "";
                            }
                        })
                .defaultIfEmpty("");
    }

    /**
     * Only for a signed-in user: resolving the token saves it in the session, and a signed-out
     * visitor of the landing page (which has no form) should not get a session.
     */
    @ModelAttribute("_csrf")
    public Mono<CsrfToken> csrfToken(ServerWebExchange exchange) {
        Mono<CsrfToken> token = exchange.getAttribute(CsrfToken.class.getName());
        return token == null
                ? Mono.empty()
                : exchange.getPrincipal()
                        .flatMap(signedIn -> token)
                        .doOnNext(
                                resolved ->
                                        exchange.getAttributes()
                                                .put(
                                                        CsrfRequestDataValueProcessor
                                                                .DEFAULT_CSRF_ATTR_NAME,
                                                        resolved));
    }

    @ExceptionHandler(ProblemException.class)
    public Rendering problem(ProblemException problem) {
        HttpStatus status = problem.type().status();
        String heading =
                switch (problem.type()) {
                    case NOT_FOUND -> "Key not found";
                    case TOO_MANY_REQUESTS -> "Slow down";
                    case STORE_UNAVAILABLE -> "Keys are unavailable right now";
                    default -> "That did not work";
                };
        return error(status, heading, problem.getBody().getDetail());
    }

    @ExceptionHandler(AuthenticationException.class)
    public Rendering unusableSignIn(AuthenticationException refused) {
        return error(
                HttpStatus.FORBIDDEN,
                "Your account cannot use the portal",
                refused.getMessage() + ". Ask the operator of this portal for help.");
    }

    @ExceptionHandler(ServerWebInputException.class)
    public Rendering badInput(ServerWebInputException refused) {
        return error(HttpStatus.BAD_REQUEST, "That did not work", refused.getReason());
    }

    @ExceptionHandler(Exception.class)
    public Rendering unexpected(Exception error, ServerWebExchange exchange) {
        if (StoreFailures.isStoreFailure(error)) {
            return error(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "Keys are unavailable right now",
                    "The key store could not be reached; nothing was changed unless a page said"
                            + " so. Try again in a minute.");
        }
        log.error(
                "page failed, request {}",
                dev.keygate.admin.web.RequestIdWebFilter.requestId(exchange),
                error);
        return error(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The error was logged. Try again, or ask the operator of this portal.");
    }

    /** An error page; model attributes are not applied to an exception handler's view. */
    private Rendering error(HttpStatus status, String heading, String detail) {
        return Rendering.view("portal/error")
                .status(status)
                .modelAttribute("portalTitle", properties.title())
                .modelAttribute("userName", "")
                .modelAttribute("heading", heading)
                .modelAttribute("detail", detail == null ? "" : detail)
                .build();
    }
}
