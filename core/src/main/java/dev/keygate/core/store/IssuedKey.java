package dev.keygate.core.store;

import dev.keygate.core.key.KeyRecord;
import java.util.Objects;

/**
 * A key record with the full key that was just minted for it (on create or rotate), to be shown
 * once to the caller and never again. {@link #toString()} redacts the key.
 *
 * @param record the record as written
 * @param key the full key, {@code <prefix>_<id>_<secret><checksum>}
 * @param epoch the epoch of the change
 * @param replicas how many replicas confirmed the record write ({@link
 *     ReplicaAcknowledgement#NOT_REQUESTED} unless the store waits for them)
 */
public record IssuedKey(KeyRecord record, String key, long epoch, ReplicaAcknowledgement replicas) {

    public IssuedKey {
        Objects.requireNonNull(replicas, "replicas");
    }

    /** A key for which no replica acknowledgement was requested. */
    public IssuedKey(KeyRecord record, String key, long epoch) {
        this(record, key, epoch, ReplicaAcknowledgement.NOT_REQUESTED);
    }

    @Override
    public String toString() {
        return "IssuedKey[record="
                + record
                + ", key=<redacted>, epoch="
                + epoch
                + ", replicas="
                + replicas
                + "]";
    }
}
