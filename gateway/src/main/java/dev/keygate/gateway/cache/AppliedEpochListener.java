package dev.keygate.gateway.cache;

/**
 * Told by the {@link InvalidationTracker} each time the epoch it has applied moves: every change up
 * to that epoch has been dropped from the cache (exactly, or by a flush), so from then on this
 * gateway answers no request from a record older than those changes. The gateway node registry
 * reports it, so that the admin API can tell when a change has reached every gateway.
 *
 * <p>Called while the tracker holds its lock, on a Redis I/O thread or a poll's thread: must return
 * at once, must not block, must not call back into the tracker.
 */
@FunctionalInterface
public interface AppliedEpochListener {

    /** A listener that does nothing. */
    AppliedEpochListener NONE = epoch -> {};

    /**
     * The tracker's applied epoch is now {@code epoch} (it can go down when Redis was replaced).
     */
    void applied(long epoch);

    /**
     * Whether, as far as this listener is concerned, the cache may be trusted. The node registry
     * says no until this gateway's first report has reached Redis: a gateway that no receipt waits
     * for must not answer from its cache (it reads Redis on every request instead). Called on every
     * request: one volatile read, no lock.
     */
    default boolean mayTrustCache() {
        return true;
    }
}
