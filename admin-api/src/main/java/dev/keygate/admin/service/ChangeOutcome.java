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
 */
public record ChangeOutcome<T>(T value, boolean replayed, ReplicaAcknowledgement replicas) {

    public ChangeOutcome {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(replicas, "replicas");
    }
}
