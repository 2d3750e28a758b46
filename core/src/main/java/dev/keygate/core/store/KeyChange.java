package dev.keygate.core.store;

import dev.keygate.core.key.KeyRecord;
import java.util.Objects;

/**
 * The outcome of a change that mints no key (update, remove).
 *
 * @param record the record after an update, or as it was just before a remove
 * @param epoch the epoch of the change
 * @param replicas how many replicas confirmed the record write ({@link
 *     ReplicaAcknowledgement#NOT_REQUESTED} unless the store waits for them)
 */
public record KeyChange(KeyRecord record, long epoch, ReplicaAcknowledgement replicas) {

    public KeyChange {
        Objects.requireNonNull(replicas, "replicas");
    }

    /** A change for which no replica acknowledgement was requested. */
    public KeyChange(KeyRecord record, long epoch) {
        this(record, epoch, ReplicaAcknowledgement.NOT_REQUESTED);
    }
}
