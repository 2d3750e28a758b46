package dev.keygate.admin.auth;

import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.problem.ProblemType;
import dev.keygate.admin.web.RequestIdWebFilter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The security chain's entry point (401) and access-denied handler (403), also used for paths
 * Spring Security's firewall rejects before any chain runs (see {@code
 * AdminSecurityConfiguration.adminRejectedPaths}): counts and logs each refusal, then signals a
 * {@link ProblemException} that the problem handler writes as {@code application/problem+json}
 * ({@code unauthorized} with {@code WWW-Authenticate: Bearer realm="keygate-admin"}, or {@code
 * forbidden}).
 *
 * <p>Refusals are counted in {@value #FAILURES_METRIC} with tag {@code reason}: {@code missing} (no
 * {@code Authorization} header), {@code malformed} (a header that is not exactly one {@code Bearer
 * <token>}), {@code unknown} (a well-formed token that is not configured) or {@code forbidden} (a
 * read-only token asking to change something), and logged at WARN with method, path, remote address
 * and request id, never with the token. Stateless and thread-safe; never blocks.
 */
public final class AdminAuthenticationFailureHandler
        implements ServerAuthenticationEntryPoint, ServerAccessDeniedHandler {

    /** Counter of refused admin requests. */
    public static final String FAILURES_METRIC = "keygate.admin.auth.failures";

    /** The challenge of every 401. */
    public static final String CHALLENGE = "Bearer realm=\"keygate-admin\"";

    private static final Logger log =
            LoggerFactory.getLogger(AdminAuthenticationFailureHandler.class);

    private final MeterRegistry meters;

    public AdminAuthenticationFailureHandler(MeterRegistry meters) {
        this.meters = Objects.requireNonNull(meters, "meters");
    }

    @Override
    public Mono<Void> commence(ServerWebExchange exchange, AuthenticationException ex) {
        String reason;
        String detail;
        if (ex instanceof BadCredentialsException) {
            reason = "unknown";
            detail = "the admin token is not valid";
        } else if (ex instanceof OAuth2AuthenticationException
                || exchange.getRequest().getHeaders().containsHeader(HttpHeaders.AUTHORIZATION)) {
            reason = "malformed";
            detail = "the Authorization header is not 'Bearer <token>'";
        } else {
            reason = "missing";
            detail = "an admin token is required";
        }
        return unauthorized(exchange, reason, detail);
    }

    private Mono<Void> unauthorized(ServerWebExchange exchange, String reason, String detail) {
        count(reason);
        log.warn(
                "Admin authentication failed ({}): {} {} from {} (request {})",
                reason,
                exchange.getRequest().getMethod(),
                exchange.getRequest().getPath().value(),
                exchange.getRequest().getRemoteAddress(),
                RequestIdWebFilter.requestId(exchange));
        ProblemException problem = new ProblemException(ProblemType.UNAUTHORIZED, detail);
        problem.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, CHALLENGE);
        return Mono.error(problem);
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, AccessDeniedException denied) {
        return exchange.getPrincipal()
                .map(principal -> principal.getName())
                .defaultIfEmpty("?")
                .flatMap(
                        name -> {
                            count("forbidden");
                            log.warn(
                                    "Admin request refused: token '{}' is read-only; {} {} from {}"
                                            + " (request {})",
                                    name,
                                    exchange.getRequest().getMethod(),
                                    exchange.getRequest().getPath().value(),
                                    exchange.getRequest().getRemoteAddress(),
                                    RequestIdWebFilter.requestId(exchange));
                            return Mono.error(
                                    new ProblemException(
                                            ProblemType.FORBIDDEN,
                                            "the admin token '" + name + "' is read-only"));
                        });
    }

    private void count(String reason) {
        Counter.builder(FAILURES_METRIC)
                .description("Admin API requests refused for a missing, bad or too weak token")
                .tag("reason", reason)
                .register(meters)
                .increment();
    }
}
