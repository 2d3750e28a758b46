package dev.keygate.gateway.faults;

import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.KeyChange;
import dev.keygate.core.testing.TestKeys;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/** Removing a key the way an admin client does during a failover: retry until it works. */
final class Removal {

    private Removal() {}

    /**
     * Removes {@code key}, retrying failed attempts for up to 30 s; returns the {@code nanoTime} at
     * which a removal is known to have happened (the return of the attempt that succeeded).
     *
     * <p>An attempt that fails may still have deleted the record (the script ran, then the owner
     * index, {@code INCR} or {@code PUBLISH} on another node failed, or the reply was lost). The
     * retry then finds nothing and returns empty, and {@code RedisKeyStore.remove} announces
     * nothing: that is printed, as it means no gateway was told.
     */
    static long remove(TestKeys keys, IssuedKey key, String figure) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        RuntimeException firstFailure = null;
        while (true) {
            try {
                KeyChange change =
                        keys.store().remove(key.record().id()).block(Duration.ofSeconds(3));
                long returned = System.nanoTime();
                if (change == null) {
                    System.out.printf(
                            "[fault/%s] removal of %s: an earlier attempt failed (%s) after"
                                    + " deleting the record; the retry found nothing and announced"
                                    + " nothing%n",
                            figure, key.record().id(), firstFailure);
                } else if (firstFailure != null) {
                    System.out.printf(
                            "[fault/%s] removal of %s succeeded after a failed attempt (%s)%n",
                            figure, key.record().id(), firstFailure);
                }
                return returned;
            } catch (RuntimeException ex) {
                if (firstFailure == null) {
                    firstFailure = ex;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the store never recovered", ex);
                }
                // pacing between attempts, not a wait for a state: the next attempt is the check
                LockSupport.parkNanos(50_000_000);
            }
        }
    }

    /**
     * Removes {@code doomed} one after the other ({@link #remove}); returns, for each key in that
     * order, when its removal is known to have happened.
     */
    static Map<String, Long> removeAll(TestKeys keys, List<IssuedKey> doomed, String figure) {
        Map<String, Long> removedAt = new LinkedHashMap<>();
        for (IssuedKey key : doomed) {
            removedAt.put(key.key(), remove(keys, key, figure));
        }
        return removedAt;
    }

    /** When the first removal of {@link #removeAll} returned. */
    static long first(Map<String, Long> removedAt) {
        return removedAt.values().iterator().next();
    }
}
