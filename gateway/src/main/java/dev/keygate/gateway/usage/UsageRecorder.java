package dev.keygate.gateway.usage;

import dev.keygate.core.key.KeyRecord;
import java.util.Set;

/**
 * Records that a request made with a key was forwarded: called by the API-key filter once per
 * forwarded request, on the event loop. Implementations must be thread-safe, must never block nor
 * fail the request (usage is best effort), and should cost next to nothing per call. Replace the
 * bean to send usage elsewhere.
 */
@FunctionalInterface
public interface UsageRecorder {

    /** Records nothing: usage tracking off, or no Redis to write it to. */
    UsageRecorder NONE = (record, previousSecret, requiredScopes) -> {};

    /**
     * @param record the key, as verified
     * @param previousSecret whether the request presented the previous secret (rotation grace)
     * @param requiredScopes the scopes the route required (empty when it required none); the same
     *     set instance for every request of a route
     */
    void record(KeyRecord record, boolean previousSecret, Set<String> requiredScopes);
}
