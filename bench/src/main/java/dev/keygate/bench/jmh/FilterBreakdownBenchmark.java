package dev.keygate.bench.jmh;

import dev.keygate.gateway.authentication.ApiKeyCredentialConverter;
import dev.keygate.gateway.authentication.CredentialExtraction;
import dev.keygate.gateway.authentication.ProblemJsonFailureHandler;
import dev.keygate.gateway.authentication.UpstreamHeadersFilter;
import dev.keygate.gateway.config.KeygateGatewayProperties.IdentityHeaders;
import dev.keygate.gateway.firewall.RequestFirewallWebFilter;
import java.net.InetSocketAddress;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.TransferEncodingNormalizationHeadersFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.security.web.server.firewall.StrictServerWebExchangeFirewall;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Where the forwarding part of the filter's cost goes, on the same mock request as {@link
 * HotPathBenchmark#wholeFilterCacheHit}: finding the credential, Keygate's {@link
 * UpstreamHeadersFilter} on its own, and the header work of Spring Cloud Gateway's proxy (its
 * header filters, then the copy into Netty's headers) with and without it.
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FilterBreakdownBenchmark extends JmhDefaults {

    static final IdentityHeaders IDENTITY =
            new IdentityHeaders(
                    "X-Api-Key-Id",
                    "X-Api-Key-Owner",
                    "X-Api-Key-Scopes",
                    "X-Api-Key-Organizations");

    private ApiKeyCredentialConverter converter;
    private UpstreamHeadersFilter upstreamHeaders;
    private List<HttpHeadersFilter> withKeygate;
    private List<HttpHeadersFilter> withoutKeygate;
    private ServerWebExchange exchange;
    private ServerHttpRequest request;
    private RequestFirewallWebFilter firewall;
    private ServerWebExchange withFreshResponse;
    private final WebFilterChain passOn = exchange -> Mono.empty();

    @Setup
    public void setUp() {
        String key = new HotPathFixture(1).keys.get(0);
        converter =
                new ApiKeyCredentialConverter(
                        List.of("Bearer", "Apikey"), List.of("X-Api-Key"), List.of());
        upstreamHeaders = new UpstreamHeadersFilter(IDENTITY, converter, true);
        withKeygate = proxyHeaderFilters(upstreamHeaders);
        withoutKeygate = proxyHeaderFilters(null);
        exchange =
                HotPathFixture.nettyBackedExchange(
                        new InetSocketAddress("127.0.0.1", 40000),
                        HttpHeaders.AUTHORIZATION,
                        "Bearer " + key,
                        HttpHeaders.ACCEPT,
                        "application/json",
                        HttpHeaders.USER_AGENT,
                        "wrk");
        request = exchange.getRequest();
        withFreshResponse =
                new ServerWebExchangeDecorator(exchange) {
                    @Override
                    public ServerHttpResponse getResponse() {
                        return new MockServerHttpResponse();
                    }
                };
        firewall =
                new RequestFirewallWebFilter(
                        new StrictServerWebExchangeFirewall(),
                        new ProblemJsonFailureHandler(
                                List.of("Bearer"), "keygate", java.time.Duration.ofSeconds(5)));
    }

    /**
     * The request header filters Spring Cloud Gateway installs by default that touch a plain
     * request, in their order, with Keygate's first when given.
     */
    static List<HttpHeadersFilter> proxyHeaderFilters(UpstreamHeadersFilter keygate) {
        List<HttpHeadersFilter> gateway =
                List.of(
                        new RemoveHopByHopHeadersFilter(),
                        new TransferEncodingNormalizationHeadersFilter());
        if (keygate == null) {
            return gateway;
        }
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(keygate), gateway.stream())
                .toList();
    }

    @Benchmark
    public CredentialExtraction extractCredential() {
        return converter.resolve(request);
    }

    /**
     * The request firewall on an accepted request (Spring Security's eager checks, then the chain):
     * what every request pays before routing. The firewall registers a response-header check on the
     * response of every exchange it sees, so each call gets a fresh response (compare with {@link
     * #freshResponseOnly}).
     */
    @Benchmark
    public boolean requestFirewall() {
        HotPathBenchmark.Last<Void> last = new HotPathBenchmark.Last<>();
        firewall.filter(withFreshResponse, passOn).subscribe(last);
        return last.completed;
    }

    /** Making the fresh response {@link #requestFirewall} needs, alone. */
    @Benchmark
    public ServerHttpResponse freshResponseOnly() {
        return withFreshResponse.getResponse();
    }

    /** Keygate's upstream headers alone: a view without the credential (no identity here). */
    @Benchmark
    public HttpHeaders upstreamHeadersFilter() {
        return upstreamHeaders.filter(request.getHeaders(), exchange);
    }

    /** The proxy's header work for a request Keygate let through: its filters, then the copy. */
    @Benchmark
    public io.netty.handler.codec.http.HttpHeaders proxyHeadersWithKeygate() {
        return headersCopiedUpstream(withKeygate, exchange);
    }

    /** The same without Keygate's filter: what any forwarded request costs. */
    @Benchmark
    public io.netty.handler.codec.http.HttpHeaders proxyHeadersWithoutKeygate() {
        return headersCopiedUpstream(withoutKeygate, exchange);
    }

    /**
     * What Spring Cloud Gateway's {@code NettyRoutingFilter} does with the request headers it
     * forwards: runs its header filters, then copies each header into Netty's.
     */
    static io.netty.handler.codec.http.HttpHeaders headersCopiedUpstream(
            List<HttpHeadersFilter> filters, ServerWebExchange exchange) {
        HttpHeaders filtered = HttpHeadersFilter.filterRequest(filters, exchange);
        io.netty.handler.codec.http.HttpHeaders upstream =
                new io.netty.handler.codec.http.DefaultHttpHeaders();
        filtered.forEach(upstream::set);
        return upstream;
    }
}
