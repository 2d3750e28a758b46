package dev.keygate.core.store;

import dev.keygate.core.key.KeyRecord;

/**
 * A key record with the full key that was just minted for it (on create or rotate), to be shown
 * once to the caller and never again. {@link #toString()} redacts the key.
 *
 * @param record the record as written
 * @param key the full key, {@code <prefix>_<id>_<secret><checksum>}
 * @param epoch the epoch of the change
 */
public record IssuedKey(KeyRecord record, String key, long epoch) {
    @Override
    public String toString() {
        return "IssuedKey[record=" + record + ", key=<redacted>, epoch=" + epoch + "]";
    }
}
