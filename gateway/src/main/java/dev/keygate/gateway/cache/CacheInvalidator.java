package dev.keygate.gateway.cache;

/**
 * What the {@link InvalidationTracker} may do to a cache. Implementations are thread-safe and
 * quick; they are called on the Redis I/O thread.
 */
public interface CacheInvalidator {

    /** Drops what is cached about {@code id}, a load in flight included. */
    void invalidate(String id);

    /** Drops everything, loads in flight included. */
    void invalidateAll();
}
