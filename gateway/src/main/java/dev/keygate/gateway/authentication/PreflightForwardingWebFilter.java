package dev.keygate.gateway.authentication;

import org.reactivestreams.Publisher;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Lets CORS preflights reach the upstream, whose own CORS policy answers them. WebFlux's handler
 * mapping answers every preflight itself ({@code AbstractHandlerMapping.getHandler} returns an
 * empty 200 for any request with {@code Origin} and {@code Access-Control-Request-Method}) before
 * any gateway filter runs, so without this an upstream's CORS policy can never work. This filter
 * runs before the handler mapping: it takes {@code Access-Control-Request-Method} out of the
 * request (so the mapping routes it like any other {@code OPTIONS}), keeps it in the exchange
 * attribute {@link #REQUEST_METHOD_ATTRIBUTE}, and drops the request body (a preflight has none)
 * and the response body (only the upstream's status and headers come back). {@link
 * ApiKeyAuthenticationFilter} lets such a request through without a key, and {@link
 * UpstreamHeadersFilter} puts the header back on the upstream request, without any credential.
 *
 * <p>Installed when {@code keygate.gateway.cors-preflight-public} is on (the default) and the
 * gateway has no CORS configuration of its own ({@code spring.cloud.gateway.server.webflux
 * .globalcors}): with one, the gateway answers preflights itself, as Spring Cloud Gateway always
 * does. Stateless and thread-safe.
 */
public final class PreflightForwardingWebFilter implements WebFilter, Ordered {

    /** After {@code RequestFirewallWebFilter}, before everything else. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 20;

    /**
     * The exchange attribute holding a forwarded preflight's {@code Access-Control-Request-Method}.
     */
    public static final String REQUEST_METHOD_ATTRIBUTE =
            PreflightForwardingWebFilter.class.getName() + ".requestMethod";

    private final boolean active;

    /**
     * @param active whether to forward preflights; not when the gateway has a CORS configuration of
     *     its own
     */
    public PreflightForwardingWebFilter(boolean active) {
        this.active = active;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        HttpHeaders headers = request.getHeaders();
        if (!active
                || !HttpMethod.OPTIONS.equals(request.getMethod())
                || !headers.containsHeader(HttpHeaders.ORIGIN)
                || !headers.containsHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD)) {
            return chain.filter(exchange);
        }
        exchange.getAttributes()
                .put(
                        REQUEST_METHOD_ATTRIBUTE,
                        headers.getFirst(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD));
        HttpHeaders hidden = new HttpHeaders();
        hidden.putAll(headers);
        hidden.remove(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
        hidden.remove(HttpHeaders.CONTENT_LENGTH);
        hidden.remove(HttpHeaders.TRANSFER_ENCODING);
        HttpHeaders readOnly = HttpHeaders.readOnlyHttpHeaders(hidden);
        ServerHttpRequest forwarded =
                new ServerHttpRequestDecorator(request) {
                    @Override
                    public HttpHeaders getHeaders() {
                        return readOnly;
                    }

                    @Override
                    public Flux<DataBuffer> getBody() {
                        return Flux.empty();
                    }
                };
        return chain.filter(
                exchange.mutate().request(forwarded).response(withoutBody(exchange)).build());
    }

    /**
     * The response of a forwarded preflight: the upstream's status and headers, never its body. A
     * browser ignores a preflight's body, and an upstream that answers {@code OPTIONS} like {@code
     * GET} (some frameworks route every method to the same handler) must not hand protected data to
     * a caller without a key.
     */
    private static ServerHttpResponse withoutBody(ServerWebExchange exchange) {
        return new ServerHttpResponseDecorator(exchange.getResponse()) {
            @Override
            public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
                return discard(body);
            }

            @Override
            public Mono<Void> writeAndFlushWith(
                    Publisher<? extends Publisher<? extends DataBuffer>> body) {
                return discard(Flux.from(body).flatMap(part -> part));
            }

            private Mono<Void> discard(Publisher<? extends DataBuffer> body) {
                return Flux.from(body)
                        .doOnNext(DataBufferUtils::release)
                        .then(
                                Mono.defer(
                                        () -> {
                                            getHeaders().remove(HttpHeaders.TRANSFER_ENCODING);
                                            getHeaders().setContentLength(0);
                                            return getDelegate().setComplete();
                                        }));
            }
        };
    }

    /** Whether {@code exchange} is a preflight this filter forwards. */
    static boolean isForwarded(ServerWebExchange exchange) {
        return exchange.getAttribute(REQUEST_METHOD_ATTRIBUTE) != null;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
