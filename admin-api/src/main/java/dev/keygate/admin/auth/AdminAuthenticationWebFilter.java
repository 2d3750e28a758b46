package dev.keygate.admin.auth;

import dev.keygate.admin.web.RequestIdWebFilter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Requires an admin token on every request except the published API contract ({@link
 * #PUBLIC_PREFIXES}: {@code /v3/api-docs} and Swagger UI), so a path that reaches a handler in a
 * way nobody planned for (double slashes, new routes) is still protected: the {@link
 * BearerTokenConverter} reads it, the {@link AdminTokenRegistry} decides, and a failure is an error
 * signal ({@link AdminAuthenticationException} → 401, {@link AdminAccessDeniedException} → 403)
 * that the problem handler writes. Read-only tokens may only {@code GET} and {@code HEAD}.
 *
 * <p>Fails closed: anything but a known token is refused. Failed attempts are counted in {@value
 * #FAILURES_METRIC} (tag {@code reason}: {@code missing}, {@code malformed}, {@code unknown}, or
 * {@code forbidden}) and logged at WARN with method, path, remote address and request id, never
 * with the token. Stateless and thread-safe; runs on the event loop and never blocks.
 */
public final class AdminAuthenticationWebFilter implements WebFilter, Ordered {

    /**
     * Path prefixes served without a token: the OpenAPI contract and Swagger UI, which hold no
     * data.
     */
    public static final List<String> PUBLIC_PREFIXES =
            List.of("/v3/api-docs", "/swagger-ui", "/webjars/swagger-ui");

    /** Counter of refused admin requests. */
    public static final String FAILURES_METRIC = "keygate.admin.auth.failures";

    /** Runs right after {@link RequestIdWebFilter}. */
    public static final int ORDER = RequestIdWebFilter.ORDER + 10;

    private static final Logger log = LoggerFactory.getLogger(AdminAuthenticationWebFilter.class);

    private final AdminTokenRegistry registry;
    private final BearerTokenConverter converter;
    private final MeterRegistry meters;

    public AdminAuthenticationWebFilter(
            AdminTokenRegistry registry, BearerTokenConverter converter, MeterRegistry meters) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.converter = Objects.requireNonNull(converter, "converter");
        this.meters = Objects.requireNonNull(meters, "meters");
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (isPublic(path)) {
            return chain.filter(exchange);
        }
        BearerTokenConverter.Result result = converter.convert(exchange.getRequest());
        if (result instanceof BearerTokenConverter.Result.Missing) {
            return refuse(exchange, "missing", "an admin token is required");
        }
        if (!(result instanceof BearerTokenConverter.Result.Presented presented)) {
            return refuse(
                    exchange, "malformed", "the Authorization header is not 'Bearer <token>'");
        }
        AdminPrincipal principal = registry.authenticate(presented.token()).orElse(null);
        if (principal == null) {
            return refuse(exchange, "unknown", "the admin token is not valid");
        }
        HttpMethod method = exchange.getRequest().getMethod();
        if (principal.role() == AdminRole.READ_ONLY
                && !(HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method))) {
            count("forbidden");
            log.warn(
                    "Admin request refused: token '{}' is read-only; {} {} from {} (request {})",
                    principal.name(),
                    method,
                    path,
                    exchange.getRequest().getRemoteAddress(),
                    RequestIdWebFilter.requestId(exchange));
            return Mono.error(
                    new AdminAccessDeniedException(
                            "the admin token '" + principal.name() + "' is read-only"));
        }
        exchange.getAttributes().put(AdminPrincipal.ATTRIBUTE, principal);
        return chain.filter(exchange);
    }

    private static boolean isPublic(String path) {
        if (path.contains("..") || path.contains("//") || path.contains("%")) {
            return false;
        }
        for (String prefix : PUBLIC_PREFIXES) {
            if (path.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private Mono<Void> refuse(ServerWebExchange exchange, String reason, String detail) {
        count(reason);
        log.warn(
                "Admin authentication failed ({}): {} {} from {} (request {})",
                reason,
                exchange.getRequest().getMethod(),
                exchange.getRequest().getPath().value(),
                exchange.getRequest().getRemoteAddress(),
                RequestIdWebFilter.requestId(exchange));
        return Mono.error(new AdminAuthenticationException(detail));
    }

    private void count(String reason) {
        Counter.builder(FAILURES_METRIC)
                .description("Admin API requests refused for a missing, bad or too weak token")
                .tag("reason", reason)
                .register(meters)
                .increment();
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public String toString() {
        return "AdminAuthenticationWebFilter[public=" + PUBLIC_PREFIXES + ", " + registry + "]";
    }
}
