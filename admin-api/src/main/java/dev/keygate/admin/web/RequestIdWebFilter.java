package dev.keygate.admin.web;

import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Gives every request an id: the caller's {@value #HEADER} when it is {@code [A-Za-z0-9._-]{1,64}},
 * else a random UUID. The id is echoed in the response header, recorded in audit events and problem
 * documents. Stateless and thread-safe.
 */
public final class RequestIdWebFilter implements WebFilter, Ordered {

    /** The request and response header carrying the request id. */
    public static final String HEADER = "X-Request-Id";

    /** First of the admin API's filters. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 100;

    private static final String ATTRIBUTE = RequestIdWebFilter.class.getName() + ".id";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String given = exchange.getRequest().getHeaders().getFirst(HEADER);
        String id =
                given != null && VALID.matcher(given).matches()
                        ? given
                        : UUID.randomUUID().toString();
        exchange.getAttributes().put(ATTRIBUTE, id);
        exchange.getResponse().getHeaders().set(HEADER, id);
        return chain.filter(exchange);
    }

    /** The request's id; {@code "-"} when the filter did not run. */
    public static String requestId(ServerWebExchange exchange) {
        String id = exchange.getAttribute(ATTRIBUTE);
        return id == null ? "-" : id;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
