package dev.keygate.core.node;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The live gateway nodes and the current epoch, read together (one script, so the nodes' applied
 * epochs and the epoch they are compared with are one snapshot).
 *
 * @param now Redis's time when it was read
 * @param epoch the current epoch
 * @param nodes the live nodes, in id order
 */
public record GatewayFleet(Instant now, long epoch, List<GatewayNode> nodes) {

    public GatewayFleet {
        Objects.requireNonNull(now, "now");
        nodes = List.copyOf(nodes);
    }
}
