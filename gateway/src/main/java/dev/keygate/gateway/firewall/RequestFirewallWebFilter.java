package dev.keygate.gateway.firewall;

import dev.keygate.gateway.authentication.ApiKeyAuthenticationFilter;
import dev.keygate.gateway.authentication.ApiKeyFailureHandler;
import dev.keygate.gateway.authentication.Refusal;
import org.springframework.core.Ordered;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedException;
import org.springframework.security.web.server.firewall.StrictServerWebExchangeFirewall;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Refuses, with 400 {@code rejected-request}, requests whose path a router and an upstream could
 * read differently, before any route is matched: dot segments in any encoding ({@code /public/../
 * orders/1}, {@code %2e%2e}), encoded {@code /} and {@code \}, {@code ;} path parameters ({@code
 * /public/..;/orders/1}, which Tomcat reads as {@code /orders/1}), {@code //}, encoded {@code %},
 * NUL, backslashes, control characters, and methods outside the allowed list. Without it, a public
 * route {@code /public/**} matched on the raw path lets {@code /public/../orders/1} through with no
 * key to an upstream that normalises it to a protected path.
 *
 * <p>The decisions are Spring Security's {@link StrictServerWebExchangeFirewall}, configured from
 * {@code keygate.gateway.firewall.*}. Only its eager checks are used: the exchange it returns
 * re-validates every header on every read with a regular expression and allocates a new request and
 * headers object per call, on a path that reads headers many times; Netty already refuses control
 * characters in header names and values. Runs first of all web filters but the access log, which
 * only observes ({@link #ORDER}). Thread-safe; never blocks.
 */
public final class RequestFirewallWebFilter implements WebFilter, Ordered {

    /**
     * Before every other web filter (but the access log's, which only observes), so nothing acts on
     * a request it would refuse.
     */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

    private static final Mono<Boolean> REJECTED = Mono.just(Boolean.FALSE);

    private static final Refusal REJECTION = Refusal.of(Refusal.Reason.REJECTED);

    private final StrictServerWebExchangeFirewall firewall;
    private final ApiKeyFailureHandler failures;

    public RequestFirewallWebFilter(
            StrictServerWebExchangeFirewall firewall, ApiKeyFailureHandler failures) {
        this.firewall = firewall;
        this.failures = failures;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return firewall.getFirewalledExchange(exchange)
                .map(checked -> Boolean.TRUE)
                .onErrorResume(ServerExchangeRejectedException.class, rejected -> REJECTED)
                .flatMap(accepted -> accepted ? chain.filter(exchange) : refuse(exchange));
    }

    /** Records the refusal for the access log, then has the failure handler answer it. */
    private Mono<Void> refuse(ServerWebExchange exchange) {
        exchange.getAttributes().put(ApiKeyAuthenticationFilter.REFUSAL_ATTRIBUTE, REJECTION);
        return failures.refuse(exchange, REJECTION);
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
