package dev.keygate.gateway.support;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;

/**
 * The one way Keygate's gateway builds its Caffeine caches: bounded in size, expiring a fixed time
 * after each write, on the given {@link Ticker} (so tests control time), with maintenance run on
 * the calling thread ({@code executor(Runnable::run)}: no hand-off to the common pool, so what a
 * test sees after a call is settled). Never an unbounded map.
 */
public final class BoundedCaches {

    private BoundedCaches() {}

    /** A builder for at most {@code maximumSize} entries, each kept {@code ttl} after its write. */
    public static Caffeine<Object, Object> builder(long maximumSize, Duration ttl, Ticker ticker) {
        return Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfterWrite(ttl)
                .ticker(ticker)
                .executor(Runnable::run);
    }
}
