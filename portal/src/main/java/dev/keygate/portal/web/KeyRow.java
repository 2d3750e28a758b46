package dev.keygate.portal.web;

import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.portal.config.PortalProperties;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * One key as the pages show it: every value already text (Thymeleaf escapes it when rendering).
 *
 * @param id the key id
 * @param start the recognisable start of the key, {@code kg_<id>}
 * @param name the name
 * @param created when it was created
 * @param rotated when it was last regenerated; empty when never
 * @param expires when it expires
 * @param lastUsed when it was last used, as of the gateways' last flush; "Never" when never
 * @param scopes its permissions, each with the catalogue's description when there is one
 * @param organizations its organisations
 * @param status Active, Expired or Disabled
 * @param active whether the key works now
 * @param previousKeyUntil when the previous key of a regeneration with grace stops; empty when none
 */
public record KeyRow(
        String id,
        String start,
        String name,
        String created,
        String rotated,
        String expires,
        String lastUsed,
        List<ScopeRow> scopes,
        List<String> organizations,
        String status,
        boolean active,
        String previousKeyUntil) {

    static final DateTimeFormatter DATE_TIME =
            DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm 'UTC'", Locale.ENGLISH)
                    .withZone(ZoneOffset.UTC);

    /**
     * A scope and what it allows.
     *
     * @param name the scope
     * @param description the catalogue's description, or empty
     */
    public record ScopeRow(String name, String description) {}

    static KeyRow of(
            KeyRecord record,
            Instant lastUsedAt,
            Instant now,
            ApiKeyFormat format,
            PortalProperties properties) {
        boolean expired = record.expiresAt() != null && !record.expiresAt().isAfter(now);
        String status = !record.enabled() ? "Disabled" : expired ? "Expired" : "Active";
        boolean rotated = record.rotatedAt().isAfter(record.createdAt());
        boolean inGrace =
                record.previousSecretExpiresAt() != null
                        && record.previousSecretExpiresAt().isAfter(now);
        return new KeyRow(
                record.id(),
                format.visiblePart(record.id()),
                record.name().isEmpty() ? "(unnamed)" : record.name(),
                format(record.createdAt()),
                rotated ? format(record.rotatedAt()) : "",
                record.expiresAt() == null ? "Never" : format(record.expiresAt()),
                lastUsedAt == null ? "Never" : format(lastUsedAt),
                record.scopes().stream()
                        .map(
                                scope ->
                                        new ScopeRow(
                                                scope,
                                                properties
                                                        .scope(scope)
                                                        .map(
                                                                PortalProperties.ScopeProperties
                                                                        ::description)
                                                        .orElse("")))
                        .toList(),
                List.copyOf(record.organizations()),
                status,
                "Active".equals(status),
                inGrace ? format(record.previousSecretExpiresAt()) : "");
    }

    static String format(Instant instant) {
        return DATE_TIME.format(instant);
    }
}
