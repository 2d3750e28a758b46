package dev.keygate.bench.jmh;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.key.ApiKeyGenerator.GeneratedKey;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.store.KeyStore;
import dev.keygate.core.testing.MapKeyStore;
import dev.keygate.gateway.cache.KeyCache;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

/**
 * Keys and a pre-filled {@link KeyCache} for the in-memory hot path: the cache's store serves
 * records from a map, so nothing here touches Redis. Records look like the macro benchmark's (one
 * owner, two scopes, one organization). Not thread-safe while being filled; read-only afterwards.
 */
public final class HotPathFixture {

    /** Every key of the fixture, full text. */
    public final List<String> keys = new ArrayList<>();

    public final KeyCache cache;

    private final Map<String, KeyRecord> records = new ConcurrentHashMap<>();

    public HotPathFixture(int size) {
        this(size, size * 2L);
    }

    public HotPathFixture(int size, long cacheSize) {
        ApiKeyGenerator generator =
                new ApiKeyGenerator(ApiKeyFormat.defaults(), new SecureRandom());
        Instant now = Instant.now();
        for (int i = 0; i < size; i++) {
            GeneratedKey key = generator.newKey();
            records.put(key.id(), record(key, i, now));
            keys.add(key.token());
        }
        cache = trustedCache(new MapKeyStore(records), cacheSize);
    }

    /**
     * A cache as the gateway configures it, but always trusted (no invalidation subscriber) and
     * with an hour's max-age, so that nothing expires during a measurement.
     */
    public static KeyCache trustedCache(KeyStore store, long maximumSize) {
        return new KeyCache(
                store,
                () -> true,
                maximumSize,
                Duration.ofHours(1),
                10_000,
                Duration.ofSeconds(10),
                Duration.ofMillis(500),
                Ticker.systemTicker(),
                new SimpleMeterRegistry());
    }

    /**
     * A {@code GET /orders/42} exchange with these request headers, held the way Reactor Netty's
     * server holds them: Netty's {@code DefaultHttpHeaders} behind Spring's {@code
     * Netty4HeadersAdapter}, read-only ({@code ReactorServerHttpRequest} does exactly this). A
     * plain {@code MockServerHttpRequest} keeps its headers in a case-insensitive map instead,
     * whose lookups allocate a lower-case copy of every name and would misstate what a lookup
     * costs.
     *
     * @param remote the client address
     * @param nameValuePairs header names and values, alternating
     */
    public static ServerWebExchange nettyBackedExchange(
            InetSocketAddress remote, String... nameValuePairs) {
        DefaultHttpHeaders netty = new DefaultHttpHeaders();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            netty.add(nameValuePairs[i], nameValuePairs[i + 1]);
        }
        HttpHeaders headers =
                HttpHeaders.readOnlyHttpHeaders(new HttpHeaders(new Netty4HeadersAdapter(netty)));
        MockServerHttpRequest mock =
                MockServerHttpRequest.get("http://localhost/orders/42")
                        .remoteAddress(remote)
                        .build();
        ServerHttpRequest request =
                new ServerHttpRequestDecorator(mock) {
                    @Override
                    public HttpHeaders getHeaders() {
                        return headers;
                    }
                };
        return MockServerWebExchange.from(mock).mutate().request(request).build();
    }

    /** A record shaped like the ones the macro benchmark mints. */
    public static KeyRecord record(GeneratedKey key, int index, Instant now) {
        return new KeyRecord(
                key.id(),
                "acct-" + (index % 1000),
                "bench key " + index,
                Set.of("acme"),
                Set.of("orders:read", "orders:write"),
                now,
                now,
                null,
                true,
                key.hash(),
                null,
                null,
                Map.of(),
                null,
                null,
                1);
    }

    /** Loads every record into the cache (one lookup per key). */
    public HotPathFixture fill() {
        for (String id : records.keySet()) {
            cache.lookup(id).block();
        }
        return this;
    }

    public int size() {
        return records.size();
    }
}
