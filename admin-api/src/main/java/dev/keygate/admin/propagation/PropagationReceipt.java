package dev.keygate.admin.propagation;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * How far one change has propagated: which live gateways have applied its epoch (dropped from their
 * caches everything the change touched), when the answer was made. Sent as the {@code
 * Keygate-Propagation-*} headers of every change and as {@code "propagation"} in its JSON body.
 *
 * <p>When {@code confirmed == gateways}, no live gateway answers a request from a record older than
 * the change: a removed or rotated-away key is refused by every one of them from then on. A gateway
 * with the node registry turned off ({@code keygate.gateway.node.enabled=false}) is not counted.
 *
 * @param epoch the change's epoch (for a replayed answer, the epoch current when it was replayed,
 *     which covers the original change)
 * @param gateways the live gateways, {@code null} when the registry could not be read
 * @param confirmed how many of them have applied the epoch, {@code null} when unknown
 * @param lagging the ids of those that have not (yet)
 * @param waitedMs how long the answer waited for them
 */
@Schema(description = "Which live gateways have applied the change (see the README's receipts)")
public record PropagationReceipt(
        long epoch, Integer gateways, Integer confirmed, List<String> lagging, long waitedMs) {

    public PropagationReceipt {
        lagging = lagging == null ? List.of() : List.copyOf(lagging);
    }

    /** A receipt for {@code epoch} whose gateways could not be learned. */
    public static PropagationReceipt unknown(long epoch, long waitedMs) {
        return new PropagationReceipt(epoch, null, null, List.of(), waitedMs);
    }

    /** Whether every live gateway has applied the change. */
    public boolean complete() {
        return gateways != null && gateways.equals(confirmed);
    }
}
