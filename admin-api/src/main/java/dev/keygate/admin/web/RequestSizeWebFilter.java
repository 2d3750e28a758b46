package dev.keygate.admin.web;

import dev.keygate.admin.auth.AdminAuthenticationWebFilter;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Refuses with 413 a request whose declared {@code Content-Length} exceeds the limit, before its
 * body is read. Bodies without a length (chunked) are bounded by the codecs' max in-memory size,
 * set to the same limit, whose overflow is also answered 413. Runs after authentication so an
 * anonymous caller learns nothing but 401. Stateless and thread-safe.
 */
public final class RequestSizeWebFilter implements WebFilter, Ordered {

    private final DataSize limit;

    public RequestSizeWebFilter(DataSize limit) {
        this.limit = limit;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        long length = exchange.getRequest().getHeaders().getContentLength();
        if (length > limit.toBytes()) {
            return Mono.error(new PayloadTooLargeException(length, limit));
        }
        return chain.filter(exchange);
    }

    @Override
    public int getOrder() {
        return AdminAuthenticationWebFilter.ORDER + 10;
    }

    /** A body over the limit. */
    public static final class PayloadTooLargeException extends RuntimeException {
        public PayloadTooLargeException(long length, DataSize limit) {
            super(
                    "the request body "
                            + (length >= 0 ? "has " + length + " bytes, " : "is ")
                            + "more than the "
                            + limit.toBytes()
                            + " bytes allowed",
                    null,
                    false,
                    false);
        }
    }
}
