package dev.keygate.core.store;

/**
 * One reading of the store's change counter.
 *
 * @param epoch the epoch, 0 when nothing was ever changed
 * @param incarnation the store's incarnation id, {@link #NO_INCARNATION} when it has none yet
 */
public record EpochReading(long epoch, String incarnation) {

    /** The incarnation of a store that has never been changed (or cannot say). */
    public static final String NO_INCARNATION = "";

    public EpochReading {
        if (incarnation == null) {
            throw new IllegalArgumentException("incarnation must not be null; use NO_INCARNATION");
        }
    }
}
