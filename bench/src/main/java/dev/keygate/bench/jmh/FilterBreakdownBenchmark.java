package dev.keygate.bench.jmh;

import dev.keygate.gateway.authentication.ApiKeyCredentialConverter;
import dev.keygate.gateway.authentication.CredentialExtraction;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * Where the whole filter's time and allocation go, step by step, on the same mock request as {@link
 * HotPathBenchmark#wholeFilterCacheHit}: finding the credential, stripping it on its own, the two
 * request mutations the filter used to make on success (strip the credential, then set the identity
 * headers) and the single mutation it makes now, each followed by the exchange mutation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FilterBreakdownBenchmark {

    private static final List<String> IDENTITY =
            List.of(
                    "X-Api-Key-Id",
                    "X-Api-Key-Owner",
                    "X-Api-Key-Scopes",
                    "X-Api-Key-Organizations");

    private ApiKeyCredentialConverter converter;
    private ServerWebExchange exchange;
    private ServerHttpRequest request;

    @Setup
    public void setUp() {
        String key = new HotPathFixture(1).keys.get(0);
        converter =
                new ApiKeyCredentialConverter(
                        List.of("Bearer", "Apikey"), List.of("X-Api-Key"), List.of());
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
    }

    @Benchmark
    public CredentialExtraction extractCredential() {
        return converter.extract(request);
    }

    @Benchmark
    public ServerHttpRequest stripCredential() {
        return converter.strip(request);
    }

    /**
     * What the filter did on success before one mutation replaced two: strip, then a second
     * mutation for the identity headers, then the exchange.
     */
    @Benchmark
    public ServerWebExchange stripThenIdentityThenExchange() {
        ServerHttpRequest forwarded = converter.strip(request);
        forwarded = forwarded.mutate().headers(this::identity).build();
        return exchange.mutate().request(forwarded).build();
    }

    /**
     * What the filter did until it forwarded an overlay of the headers instead: the same header
     * changes in one mutation ({@code ApiKeyCredentialConverter.strip(HttpHeaders)} inside the
     * identity headers' consumer), then the exchange.
     */
    @Benchmark
    public ServerWebExchange singleMutationThenExchange() {
        return singleMutation();
    }

    /**
     * {@link #singleMutationThenExchange()}, then the copy of the forwarded headers that the proxy
     * makes anyway ({@link #headersCopiedUpstream(ServerWebExchange)}): to compare with {@code
     * HotPathBenchmark.wholeFilterCacheHitThenUpstreamCopy}, since an overlay makes that copy read
     * through it.
     */
    @Benchmark
    public io.netty.handler.codec.http.HttpHeaders singleMutationThenUpstreamCopy() {
        return headersCopiedUpstream(singleMutation());
    }

    /** The proxy's copy alone, of the request as received: what any forwarded request costs. */
    @Benchmark
    public io.netty.handler.codec.http.HttpHeaders upstreamCopyOnly() {
        return headersCopiedUpstream(exchange);
    }

    private ServerWebExchange singleMutation() {
        ServerHttpRequest forwarded =
                converter
                        .stripQueryParameters(request)
                        .mutate()
                        .headers(
                                h -> {
                                    converter.strip(h);
                                    setIdentity(h);
                                })
                        .build();
        return exchange.mutate().request(forwarded).build();
    }

    /**
     * What Spring Cloud Gateway's {@code NettyRoutingFilter} does with the request headers it
     * forwards (after its header filters): copies each into Netty's headers.
     */
    static io.netty.handler.codec.http.HttpHeaders headersCopiedUpstream(
            ServerWebExchange exchange) {
        io.netty.handler.codec.http.HttpHeaders upstream =
                new io.netty.handler.codec.http.DefaultHttpHeaders();
        exchange.getRequest().getHeaders().forEach(upstream::set);
        return upstream;
    }

    private void identity(HttpHeaders h) {
        IDENTITY.forEach(h::remove);
        setIdentity(h);
    }

    /** As the filter does now: {@code set} replaces whatever the client sent. */
    private static void setIdentity(HttpHeaders h) {
        h.set("X-Api-Key-Id", "abcdefghijk");
        h.set("X-Api-Key-Owner", "acct-1");
        h.set("X-Api-Key-Scopes", String.join(",", List.of("orders:read", "orders:write")));
        h.set("X-Api-Key-Organizations", String.join(",", List.of("acme")));
    }
}
