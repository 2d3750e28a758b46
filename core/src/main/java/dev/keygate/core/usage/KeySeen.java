package dev.keygate.core.usage;

import java.time.Instant;
import java.util.Map;

/**
 * When a key was last used, as the gateways' flushes left it in Redis.
 *
 * @param lastUsed the last accepted request with any of its secrets; {@code null} when none is
 *     recorded within the retention
 * @param secrets the last use per {@link SecretFingerprint} (the few most recent secrets)
 * @param scopes the last time a called route required each scope
 */
public record KeySeen(Instant lastUsed, Map<String, Instant> secrets, Map<String, Instant> scopes) {

    /** Nothing recorded. */
    public static final KeySeen NONE = new KeySeen(null, Map.of(), Map.of());

    public KeySeen {
        secrets = Map.copyOf(secrets);
        scopes = Map.copyOf(scopes);
    }
}
