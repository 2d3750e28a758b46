package dev.keygate.core.node;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One live gateway node as it last reported itself (see {@link RedisGatewayRegistry}). Times are
 * Redis's.
 *
 * @param id the node id
 * @param host the host it runs on
 * @param version the gateway's version
 * @param startedAt when it started
 * @param appliedEpoch the last epoch whose changes it has applied to its cache
 * @param confirmedAt when it last confirmed its epoch with Redis, {@code null} if never
 * @param heartbeatAt its last report
 * @param expiresAt when it counts as dead unless it reports again
 * @param cacheSize the keys in its cache
 * @param hitRatio its cache's hit ratio since it started, 0 to 1
 */
public record GatewayNode(
        String id,
        String host,
        String version,
        Instant startedAt,
        long appliedEpoch,
        Instant confirmedAt,
        Instant heartbeatAt,
        Instant expiresAt,
        long cacheSize,
        double hitRatio) {

    public GatewayNode {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(heartbeatAt, "heartbeatAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /** Whether the node has applied the change of {@code epoch} (and every one before). */
    public boolean hasApplied(long epoch) {
        return appliedEpoch >= epoch;
    }

    /** How long ago, at {@code now}, the node last confirmed its epoch; {@code null} if never. */
    public Duration sinceConfirmed(Instant now) {
        return confirmedAt == null ? null : Duration.between(confirmedAt, now);
    }
}
