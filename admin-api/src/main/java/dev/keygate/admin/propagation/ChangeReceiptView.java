package dev.keygate.admin.propagation;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * {@code GET /v1/changes/{epoch}}: which live gateways have applied one change, asked later.
 *
 * @param epoch the change's epoch
 * @param currentEpoch the store's epoch now
 * @param keyId the id the change announced, while the change log still holds it (the newest 10,000
 *     changes); {@code *} for a flush of every cache
 * @param gateways the live gateways now
 * @param confirmed how many of them have applied the change
 * @param confirmedBy their ids
 * @param lagging the ids of those that have not
 */
@Schema(description = "Which live gateways have applied a change")
public record ChangeReceiptView(
        long epoch,
        long currentEpoch,
        String keyId,
        int gateways,
        int confirmed,
        List<String> confirmedBy,
        List<String> lagging) {}
