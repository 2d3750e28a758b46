package dev.keygate.admin.propagation;

import dev.keygate.core.node.GatewayFleet;
import dev.keygate.core.node.GatewayNode;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /v1/gateways}: the live gateway nodes, as they last reported themselves.
 *
 * @param epoch the store's current epoch
 * @param gateways the live nodes, in id order
 */
public record GatewaysView(long epoch, List<Gateway> gateways) {

    /**
     * One live gateway.
     *
     * @param id its node id ({@code keygate.gateway.node-id})
     * @param host where it runs
     * @param version its version
     * @param startedAt when it started
     * @param appliedEpoch the last epoch whose changes it has applied
     * @param lag how many changes it is behind the current epoch
     * @param confirmedAt when it last confirmed its epoch with Redis
     * @param sinceConfirmedMs how long ago that was; past its max-staleness it stops trusting its
     *     cache
     * @param heartbeatAt its last report
     * @param expiresAt when it counts as dead unless it reports again
     * @param cacheSize keys in its cache
     * @param hitRatio its cache's hit ratio since it started
     */
    public record Gateway(
            String id,
            String host,
            String version,
            Instant startedAt,
            long appliedEpoch,
            @Schema(minimum = "0") long lag,
            Instant confirmedAt,
            Long sinceConfirmedMs,
            Instant heartbeatAt,
            Instant expiresAt,
            long cacheSize,
            double hitRatio) {}

    /** The view of {@code fleet}. */
    public static GatewaysView of(GatewayFleet fleet) {
        return new GatewaysView(
                fleet.epoch(), fleet.nodes().stream().map(node -> gateway(node, fleet)).toList());
    }

    private static Gateway gateway(GatewayNode node, GatewayFleet fleet) {
        Duration since = node.sinceConfirmed(fleet.now());
        return new Gateway(
                node.id(),
                node.host(),
                node.version(),
                node.startedAt(),
                node.appliedEpoch(),
                Math.max(0, fleet.epoch() - node.appliedEpoch()),
                node.confirmedAt(),
                since == null ? null : Math.max(0, since.toMillis()),
                node.heartbeatAt(),
                node.expiresAt(),
                node.cacheSize(),
                node.hitRatio());
    }
}
