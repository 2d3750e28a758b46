package dev.keygate.portal.keys;

import dev.keygate.core.key.KeyRecord;
import java.util.Objects;

/**
 * A key just created or regenerated, with its full secret: rendered once (the secret page, or the
 * API's answer) and then forgotten. {@link #toString()} never shows the secret.
 *
 * @param record the key's record as written
 * @param secret the full key
 */
public record MintedKey(KeyRecord record, String secret) {

    public MintedKey {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(secret, "secret");
    }

    @Override
    public String toString() {
        return "MintedKey[id=" + record.id() + ", secret=<redacted>]";
    }
}
