package dev.keygate.admin.service;

import dev.keygate.core.store.ReplicaAcknowledgement;
import java.util.Objects;

/**
 * What a change answered, whether it was an idempotent replay, and how many Redis replicas
 * confirmed it. A replay wrote nothing now, so its {@code replicas} is {@link
 * ReplicaAcknowledgement#NOT_REQUESTED}.
 *
 * @param value the answer
 * @param replayed whether the answer was stored by an earlier request with the same {@code
 *     Idempotency-Key}
 * @param replicas the replicas that confirmed the write
 * @param epoch the epoch the change was announced with, for its propagation receipt; {@link
 *     #UNKNOWN_EPOCH} for a replay (the receipt then covers the epoch current at the time)
 */
public record ChangeOutcome<T>(
        T value, boolean replayed, ReplicaAcknowledgement replicas, long epoch) {

    /** The epoch of a change that was not announced now (a replay). */
    public static final long UNKNOWN_EPOCH = -1;

    public ChangeOutcome {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(replicas, "replicas");
    }
}
