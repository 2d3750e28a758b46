package dev.keygate.gateway.actuate;

import dev.keygate.gateway.cache.InvalidationTracker;
import dev.keygate.gateway.cache.KeyCache;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * {@code /actuator/keygate}: what this gateway node knows. {@code GET} shows the node id, cache
 * size and hit ratio, the last confirmed epoch and its age, the flush count and the subscription
 * state; {@code POST} flushes the key cache. Read-only by default: the flush needs {@code
 * management.endpoint.keygate.access=unrestricted}. Never shows a key, secret or hash.
 */
@Endpoint(id = "keygate", defaultAccess = Access.READ_ONLY)
public final class KeygateEndpoint {

    private final String nodeId;
    private final KeyCache cache;
    private final InvalidationTracker tracker;

    public KeygateEndpoint(String nodeId, KeyCache cache, InvalidationTracker tracker) {
        this.nodeId = nodeId;
        this.cache = cache;
        this.tracker = tracker;
    }

    @ReadOperation
    public Map<String, Object> state() {
        Duration since = tracker.sinceConfirmed();
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("nodeId", nodeId);
        state.put("cacheSize", cache.size());
        state.put("cacheHitRatio", cache.hitRatio());
        state.put("confirmedEpoch", tracker.confirmedEpoch());
        state.put("confirmedEpochAgeMillis", since == null ? null : since.toMillis());
        state.put("cacheTrusted", tracker.isTrusted());
        state.put("flushes", cache.flushCount());
        state.put("subscribed", tracker.isSubscribed());
        return state;
    }

    /** Drops every cached key record and unknown id; the next requests read Redis. */
    @WriteOperation
    public Map<String, Object> flush() {
        cache.invalidateAll();
        return state();
    }
}
