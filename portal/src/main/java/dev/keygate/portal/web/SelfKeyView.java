package dev.keygate.portal.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.KeyRecord;
import java.time.Instant;
import java.util.List;

/**
 * A key as the self-service API shows it to its owner. {@code key} (the full key) is present only
 * in the answer that creates or regenerates it.
 *
 * @param id the key id
 * @param start the recognisable start of the key, {@code kg_<id>}
 * @param name its name
 * @param status {@code active}, {@code expired} or {@code disabled}
 * @param scopes its permissions
 * @param organizations its organisations
 * @param createdAt when it was created
 * @param rotatedAt when it was last regenerated (the creation time when never)
 * @param expiresAt when it expires; absent when never
 * @param previousKeyExpiresAt when the key it replaced stops working, during a regeneration's grace
 * @param lastUsedAt when it was last used (as of the gateways' last flush); absent when never
 * @param key the full key, shown this once
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SelfKeyView(
        String id,
        String start,
        String name,
        String status,
        List<String> scopes,
        List<String> organizations,
        Instant createdAt,
        Instant rotatedAt,
        Instant expiresAt,
        Instant previousKeyExpiresAt,
        Instant lastUsedAt,
        String key) {

    static SelfKeyView of(
            KeyRecord record, Instant lastUsedAt, Instant now, ApiKeyFormat format, String key) {
        boolean expired = record.expiresAt() != null && !record.expiresAt().isAfter(now);
        boolean inGrace =
                record.previousSecretExpiresAt() != null
                        && record.previousSecretExpiresAt().isAfter(now);
        return new SelfKeyView(
                record.id(),
                format.visiblePart(record.id()),
                record.name(),
                !record.enabled() ? "disabled" : expired ? "expired" : "active",
                List.copyOf(record.scopes()),
                List.copyOf(record.organizations()),
                record.createdAt(),
                record.rotatedAt(),
                record.expiresAt(),
                inGrace ? record.previousSecretExpiresAt() : null,
                lastUsedAt,
                key);
    }
}
