package dev.keygate.bench.jmh;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyParser;
import dev.keygate.core.key.ParseResult;
import dev.keygate.gateway.authentication.ApiKeyAuthenticationFilter;
import dev.keygate.gateway.authentication.ApiKeyAuthenticator;
import dev.keygate.gateway.authentication.ApiKeyAuthorizer;
import dev.keygate.gateway.authentication.ApiKeyCredentialConverter;
import dev.keygate.gateway.authentication.AuthenticationResult;
import dev.keygate.gateway.authentication.CachingApiKeyAuthenticator;
import dev.keygate.gateway.authentication.ClientAddressResolver;
import dev.keygate.gateway.authentication.FailedAuthenticationThrottle;
import dev.keygate.gateway.authentication.ProblemJsonFailureHandler;
import dev.keygate.gateway.authentication.UpstreamHeadersFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;
import org.reactivestreams.Subscription;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

/**
 * The gateway's hot path for a valid key whose record is cached, in three layers: the offline parse
 * (format + CRC32), parse + cache hit + constant-time hash comparison ({@link
 * CachingApiKeyAuthenticator}), and the whole {@link ApiKeyAuthenticationFilter} on a mock exchange
 * with a no-op chain, with the failed-authentication throttle installed as the auto-configuration
 * does by default. 10,000 cached keys, a different one on every call. Run with {@code -prof gc} for
 * allocation per operation.
 */
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class HotPathBenchmark extends JmhDefaults {

    private static final int KEYS = 10_000;
    private static final int EXCHANGES = 1024;

    private ApiKeyParser parser;
    private ApiKeyAuthenticator authenticator;
    private ApiKeyAuthenticationFilter filter;
    private String[] keys;
    private String[] badChecksumKeys;
    private ServerWebExchange[] exchanges;
    private final GatewayFilterChain chain = exchange -> Mono.empty();
    private io.netty.handler.codec.http.HttpHeaders copied;
    private List<org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter> headerFilters;
    private final GatewayFilterChain copyingChain =
            exchange -> {
                copied = FilterBreakdownBenchmark.headersCopiedUpstream(headerFilters, exchange);
                return Mono.empty();
            };
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        HotPathFixture fixture = new HotPathFixture(KEYS).fill();
        parser = new ApiKeyParser(ApiKeyFormat.defaults());
        authenticator =
                new CachingApiKeyAuthenticator(
                        parser, fixture.cache, Clock.systemUTC(), new SimpleMeterRegistry());
        keys = fixture.keys.toArray(String[]::new);
        badChecksumKeys = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            badChecksumKeys[i] = corruptChecksum(keys[i]);
        }
        List<String> schemes = List.of("Bearer", "Apikey");
        // As the auto-configuration installs it by default: every request looks its address up.
        filter =
                new ApiKeyAuthenticationFilter(
                        new ApiKeyCredentialConverter(schemes, List.of("X-Api-Key"), List.of()),
                        authenticator,
                        ApiKeyAuthorizer.scopesAndOrganizations(),
                        new ProblemJsonFailureHandler(schemes, "keygate", Duration.ofSeconds(5)),
                        new FailedAuthenticationThrottle(
                                30,
                                10,
                                100_000,
                                new ClientAddressResolver(List.of()),
                                Ticker.systemTicker()),
                        dev.keygate.gateway.limits.UsageLimiter.NONE,
                        new SimpleMeterRegistry());
        headerFilters =
                FilterBreakdownBenchmark.proxyHeaderFilters(
                        new UpstreamHeadersFilter(
                                FilterBreakdownBenchmark.IDENTITY,
                                new ApiKeyCredentialConverter(
                                        schemes, List.of("X-Api-Key"), List.of()),
                                true));
        exchanges = new ServerWebExchange[EXCHANGES];
        for (int i = 0; i < EXCHANGES; i++) {
            exchanges[i] =
                    HotPathFixture.nettyBackedExchange(
                            new InetSocketAddress("127.0.0.1", 40000 + i),
                            HttpHeaders.AUTHORIZATION,
                            "Bearer " + keys[i],
                            HttpHeaders.ACCEPT,
                            "application/json",
                            HttpHeaders.USER_AGENT,
                            "wrk");
        }
        // The filter must let every one of them through, or the benchmark measures a refusal.
        for (ServerWebExchange exchange : exchanges) {
            if (exchange.getResponse().getStatusCode() != null) {
                throw new IllegalStateException("exchange already answered");
            }
            Last<Void> done = new Last<>();
            filter.filter(exchange, chain).subscribe(done);
            if (!done.completed || exchange.getResponse().isCommitted()) {
                throw new IllegalStateException("the filter refused a valid cached key");
            }
        }
    }

    /** Flips the last checksum character: well formed, wrong CRC32. */
    static String corruptChecksum(String key) {
        char last = key.charAt(key.length() - 1);
        return key.substring(0, key.length() - 1) + (last == 'A' ? 'B' : 'A');
    }

    private int nextIndex(int bound) {
        int i = next + 1;
        if (i >= bound) {
            i = 0;
        }
        next = i;
        return i;
    }

    @Benchmark
    public ParseResult parseValid() {
        return parser.parse(keys[nextIndex(KEYS)]);
    }

    @Benchmark
    public ParseResult parseBadChecksum() {
        return parser.parse(badChecksumKeys[nextIndex(KEYS)]);
    }

    /** Parse, then verify (SHA-256 of the secret, cache hit, constant-time comparison). */
    @Benchmark
    public AuthenticationResult parseAndVerifyCacheHit() {
        Last<AuthenticationResult> last = new Last<>();
        authenticator
                .authenticate(keys[nextIndex(KEYS)], ApiKeyAuthenticator.LookupPermit.ALWAYS)
                .subscribe(last);
        return last.value;
    }

    /**
     * The whole filter: extract the header, parse, verify, authorize, strip the credential and set
     * the four identity headers on a mutated request, call the (no-op) chain.
     */
    @Benchmark
    public boolean wholeFilterCacheHit() {
        Last<Void> last = new Last<>();
        filter.filter(exchanges[nextIndex(EXCHANGES)], chain).subscribe(last);
        return last.completed;
    }

    /**
     * {@link #wholeFilterCacheHit()} with a chain that does the proxy's header work, as Spring
     * Cloud Gateway does it: its request header filters (Keygate's {@link UpstreamHeadersFilter},
     * which writes the identity, first), then the copy into Netty's headers. Compare with {@code
     * FilterBreakdownBenchmark.proxyHeadersWithoutKeygate} (that work for a request with no Keygate
     * at all).
     */
    @Benchmark
    public boolean wholeFilterCacheHitThenUpstreamCopy() {
        Last<Void> last = new Last<>();
        filter.filter(exchanges[nextIndex(EXCHANGES)], copyingChain).subscribe(last);
        return last.completed;
    }

    /** A synchronous subscriber that keeps the last value. */
    static final class Last<T> implements CoreSubscriber<T> {
        T value;
        boolean completed;

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(T t) {
            value = t;
        }

        @Override
        public void onError(Throwable t) {
            throw new IllegalStateException(t);
        }

        @Override
        public void onComplete() {
            completed = true;
        }
    }
}
