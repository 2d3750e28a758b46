package dev.keygate.admin.web;

import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.problem.ProblemType;
import java.util.Objects;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Refuses with 413 a request whose declared {@code Content-Length} exceeds the limit, before its
 * body is read. Bodies without a length (chunked) are bounded by the codecs' max in-memory size,
 * set to the same limit, whose overflow is also answered 413. Placed right after the security chain
 * so an anonymous caller learns nothing but 401. Stateless and thread-safe.
 */
public final class RequestSizeWebFilter implements WebFilter {

    private final DataSize limit;

    public RequestSizeWebFilter(DataSize limit) {
        this.limit = Objects.requireNonNull(limit, "limit");
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        long length = exchange.getRequest().getHeaders().getContentLength();
        if (length > limit.toBytes()) {
            return Mono.error(
                    new ProblemException(
                            ProblemType.PAYLOAD_TOO_LARGE,
                            "the request body has "
                                    + length
                                    + " bytes, more than the "
                                    + limit.toBytes()
                                    + " bytes allowed"));
        }
        return chain.filter(exchange);
    }
}
