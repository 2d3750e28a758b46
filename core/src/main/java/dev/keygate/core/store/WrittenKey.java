package dev.keygate.core.store;

import dev.keygate.core.key.KeyRecord;
import java.util.Objects;

/**
 * A key record just written with the full key minted for it (on create or rotate), before the
 * change is announced: the change is in Redis but gateways were not told yet. {@link
 * RedisKeyStore#announce(String)} finishes it. {@link #toString()} redacts the key.
 *
 * @param record the record as written
 * @param key the full key, {@code <prefix>_<id>_<secret><checksum>}
 * @param replicas how many replicas confirmed the record write ({@link
 *     ReplicaAcknowledgement#NOT_REQUESTED} unless the store waits for them)
 */
public record WrittenKey(KeyRecord record, String key, ReplicaAcknowledgement replicas) {

    public WrittenKey {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(replicas, "replicas");
    }

    /** The key once its change was announced with {@code epoch}. */
    public IssuedKey announced(long epoch) {
        return new IssuedKey(record, key, epoch, replicas);
    }

    @Override
    public String toString() {
        return "WrittenKey[record=" + record + ", key=<redacted>, replicas=" + replicas + "]";
    }
}
