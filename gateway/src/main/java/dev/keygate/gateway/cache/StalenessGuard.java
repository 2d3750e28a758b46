package dev.keygate.gateway.cache;

/**
 * Says whether cached key records may be trusted right now: that is, whether the invalidation epoch
 * was confirmed recently enough. Implementations are thread-safe and cheap (one volatile read), as
 * this is asked on every request.
 */
@FunctionalInterface
public interface StalenessGuard {

    /** Whether the cache may be used. {@code false} makes every lookup read the store. */
    boolean isTrusted();
}
