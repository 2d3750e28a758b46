package dev.keygate.gateway.authentication;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.reactivestreams.Publisher;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Lets CORS preflights reach the upstream, whose own CORS policy answers them. WebFlux's handler
 * mapping answers every preflight itself ({@code AbstractHandlerMapping.getHandler} returns an
 * empty 200 for any request with {@code Origin} and {@code Access-Control-Request-Method}) before
 * any gateway filter runs, so without this an upstream's CORS policy can never work. This filter
 * runs before the handler mapping: it takes {@code Access-Control-Request-Method} out of the
 * request (so the mapping routes it like any other {@code OPTIONS}) and keeps it in the exchange
 * attribute {@link #REQUEST_METHOD_ATTRIBUTE}. {@link ApiKeyAuthenticationFilter} lets such a
 * request through without a key, and {@link UpstreamHeadersFilter} puts the header back.
 *
 * <p>A preflight needs no key, so it carries nothing a handler could act on: only a well-formed
 * preflight counts ({@code OPTIONS}, a serialized {@code Origin}, a method token in {@code
 * Access-Control-Request-Method}, no body; anything else is answered by WebFlux as before), and it
 * goes upstream with only the headers a CORS policy reads ({@link #FORWARDED_HEADERS}: no cookie,
 * no credential of any scheme, no method override), without its query string and body. Only the
 * upstream's CORS answer comes back: its status when 2xx or 5xx (any 1xx, 3xx or 4xx becomes 403,
 * so a preflight is no oracle for which resources exist), the {@code Access-Control-*}, {@code
 * Vary} and {@code Allow} headers, never a body. An upstream's {@code OPTIONS} handlers must still
 * have no side effects.
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

    /** The request headers a forwarded preflight keeps (lower case). */
    public static final Set<String> FORWARDED_HEADERS =
            Set.of(
                    "host",
                    "origin",
                    "access-control-request-headers",
                    "access-control-request-private-network",
                    "user-agent",
                    "accept",
                    "accept-language",
                    "accept-encoding",
                    "traceparent",
                    "tracestate");

    /**
     * The response headers a forwarded preflight's answer keeps, besides {@code Access-Control-*}.
     */
    private static final Set<String> ANSWER_HEADERS =
            Set.of("vary", "allow", "date", "content-length");

    private static final Pattern METHOD = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}");

    private static final Pattern ORIGIN =
            Pattern.compile("null|[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#\\s@]{1,253}");

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
        if (!active || !isPreflight(request)) {
            return chain.filter(exchange);
        }
        HttpHeaders headers = request.getHeaders();
        exchange.getAttributes()
                .put(
                        REQUEST_METHOD_ATTRIBUTE,
                        headers.getFirst(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD));
        HttpHeaders kept = new HttpHeaders();
        for (String name : headers.headerNames()) {
            if (FORWARDED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                kept.addAll(name, headers.get(name));
            }
        }
        HttpHeaders readOnly = HttpHeaders.readOnlyHttpHeaders(kept);
        URI withoutQuery =
                UriComponentsBuilder.fromUri(request.getURI())
                        .replaceQuery(null)
                        .build(true)
                        .toUri();
        MultiValueMap<String, String> noParameters = new LinkedMultiValueMap<>();
        ServerHttpRequest forwarded =
                new ServerHttpRequestDecorator(request) {
                    @Override
                    public HttpHeaders getHeaders() {
                        return readOnly;
                    }

                    @Override
                    public URI getURI() {
                        return withoutQuery;
                    }

                    @Override
                    public MultiValueMap<String, String> getQueryParams() {
                        return noParameters;
                    }

                    @Override
                    public Flux<DataBuffer> getBody() {
                        return Flux.empty();
                    }
                };
        ServerHttpResponse response = exchange.getResponse();
        response.beforeCommit(
                () -> {
                    onlyTheCorsAnswer(response);
                    return Mono.empty();
                });
        return chain.filter(
                exchange.mutate().request(forwarded).response(withoutBody(response)).build());
    }

    /**
     * Whether {@code request} is a well-formed CORS preflight: {@code OPTIONS}, a serialized {@code
     * Origin}, a method token in {@code Access-Control-Request-Method}, and no body.
     */
    static boolean isPreflight(ServerHttpRequest request) {
        if (!HttpMethod.OPTIONS.equals(request.getMethod())) {
            return false;
        }
        HttpHeaders headers = request.getHeaders();
        if (!headers.containsHeader(HttpHeaders.ORIGIN)
                || !headers.containsHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD)) {
            return false;
        }
        List<String> origin = headers.get(HttpHeaders.ORIGIN);
        List<String> method = headers.get(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
        return origin.size() == 1
                && ORIGIN.matcher(origin.get(0)).matches()
                && method.size() == 1
                && METHOD.matcher(method.get(0)).matches()
                && !headers.containsHeader(HttpHeaders.TRANSFER_ENCODING)
                && headers.getContentLength() <= 0;
    }

    /**
     * Reduces the upstream's answer to what a browser reads from a preflight: a 2xx status (a 5xx,
     * the gateway's own or the upstream's, stays; any other becomes 403) and the CORS headers.
     */
    private static void onlyTheCorsAnswer(ServerHttpResponse response) {
        HttpStatusCode status = response.getStatusCode();
        if (status != null && !status.is2xxSuccessful() && !status.is5xxServerError()) {
            response.setStatusCode(HttpStatus.FORBIDDEN);
        }
        HttpHeaders headers = response.getHeaders();
        for (String name : List.copyOf(headers.headerNames())) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!lower.startsWith("access-control-") && !ANSWER_HEADERS.contains(lower)) {
                headers.remove(name);
            }
        }
    }

    /** The response of a forwarded preflight: never a body. */
    private static ServerHttpResponse withoutBody(ServerHttpResponse response) {
        return new ServerHttpResponseDecorator(response) {
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
