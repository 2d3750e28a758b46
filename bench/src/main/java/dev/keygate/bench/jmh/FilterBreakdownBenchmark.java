package dev.keygate.bench.jmh;

import dev.keygate.gateway.authentication.ApiKeyCredentialConverter;
import dev.keygate.gateway.authentication.CredentialExtraction;
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
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

/**
 * Where the whole filter's time and allocation go, step by step, on the same mock request as {@link
 * HotPathBenchmark#wholeFilterCacheHit}: finding the credential, the two request mutations the
 * filter makes on success (strip the credential, then set the identity headers), the exchange
 * mutation, and, for comparison, the same header changes done in a single mutation.
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
                MockServerWebExchange.from(
                        MockServerHttpRequest.get("http://localhost/orders/42")
                                .header(HttpHeaders.AUTHORIZATION, "Bearer " + key)
                                .header(HttpHeaders.ACCEPT, "application/json")
                                .header(HttpHeaders.USER_AGENT, "wrk"));
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

    /** What the filter does today on success: two mutations of the request, then the exchange. */
    @Benchmark
    public ServerWebExchange stripThenIdentityThenExchange() {
        ServerHttpRequest forwarded = converter.strip(request);
        forwarded = forwarded.mutate().headers(this::identity).build();
        return exchange.mutate().request(forwarded).build();
    }

    /** The same header changes in one mutation. */
    @Benchmark
    public ServerWebExchange singleMutationThenExchange() {
        ServerHttpRequest forwarded =
                request.mutate()
                        .headers(
                                h -> {
                                    h.remove(HttpHeaders.AUTHORIZATION);
                                    h.remove("X-Api-Key");
                                    identity(h);
                                })
                        .build();
        return exchange.mutate().request(forwarded).build();
    }

    private void identity(HttpHeaders h) {
        IDENTITY.forEach(h::remove);
        h.set("X-Api-Key-Id", "abcdefghijk");
        h.set("X-Api-Key-Owner", "acct-1");
        h.set("X-Api-Key-Scopes", String.join(",", List.of("orders:read", "orders:write")));
        h.set("X-Api-Key-Organizations", String.join(",", List.of("acme")));
    }
}
