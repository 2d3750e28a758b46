package dev.keygate.core.usage;

import java.util.Map;
import java.util.Objects;

/**
 * What one gateway saw of one key during one UTC day since its last flush: the unit of a flush.
 * Times are epoch milliseconds.
 *
 * @param id the key's id
 * @param requests requests forwarded with the key
 * @param lastUsed the last of them, with any secret
 * @param secrets the last use per {@link SecretFingerprint} of the secret presented
 * @param scopes the last time a called route required each scope
 */
public record KeyUsage(
        String id,
        long requests,
        long lastUsed,
        Map<String, Long> secrets,
        Map<String, Long> scopes) {

    public KeyUsage {
        Objects.requireNonNull(id, "id");
        secrets = Map.copyOf(secrets);
        scopes = Map.copyOf(scopes);
        if (requests < 0) {
            throw new IllegalArgumentException("requests must not be negative: " + requests);
        }
    }
}
