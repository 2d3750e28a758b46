package dev.keygate.admin.console;

import dev.keygate.admin.pages.DurationWords;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.limit.Quota;
import dev.keygate.core.limit.RateLimit;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A key as the console's pages show it, every value already text (Thymeleaf escapes it).
 *
 * @param id the key id
 * @param start {@code kg_<id>}
 * @param owner the owner
 * @param name the name, or "(unnamed)"
 * @param status Active, Expired or Disabled
 * @param active whether it works now
 * @param enabled whether it is enabled (an expired key may be enabled)
 * @param created when it was created
 * @param rotated when it was last rotated; empty when never
 * @param expires when it expires, or "Never"
 * @param lastUsed when it was last used (as of the gateways' last flush), or "Never"
 * @param previousKeyUntil when a rotation's previous key stops; empty outside a grace
 * @param scopes its scopes
 * @param organizations its organisations
 * @param metadata its metadata
 * @param rateLimit its own rate limit in words; empty without
 * @param quota its own quota in words; empty without
 * @param version the record's version
 */
public record ConsoleKey(
        String id,
        String start,
        String owner,
        String name,
        String status,
        boolean active,
        boolean enabled,
        String created,
        String rotated,
        String expires,
        String lastUsed,
        String previousKeyUntil,
        List<String> scopes,
        List<String> organizations,
        Map<String, String> metadata,
        String rateLimit,
        String quota,
        long version) {

    static final DateTimeFormatter DATE_TIME =
            DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm:ss 'UTC'", Locale.ENGLISH)
                    .withZone(ZoneOffset.UTC);

    static ConsoleKey of(KeyRecord record, Instant lastUsedAt, Instant now, ApiKeyFormat format) {
        boolean expired = record.expiresAt() != null && !record.expiresAt().isAfter(now);
        String status = !record.enabled() ? "Disabled" : expired ? "Expired" : "Active";
        boolean inGrace =
                record.previousSecretExpiresAt() != null
                        && record.previousSecretExpiresAt().isAfter(now);
        return new ConsoleKey(
                record.id(),
                format.visiblePart(record.id()),
                record.owner(),
                record.name().isEmpty() ? "(unnamed)" : record.name(),
                status,
                "Active".equals(status),
                record.enabled(),
                format(record.createdAt()),
                record.rotatedAt().isAfter(record.createdAt()) ? format(record.rotatedAt()) : "",
                record.expiresAt() == null ? "Never" : format(record.expiresAt()),
                lastUsedAt == null ? "Never" : format(lastUsedAt),
                inGrace ? format(record.previousSecretExpiresAt()) : "",
                List.copyOf(record.scopes()),
                List.copyOf(record.organizations()),
                Map.copyOf(record.metadata()),
                rateLimit(record.limits().rateLimit()),
                quota(record.limits().quota()),
                record.version());
    }

    static String rateLimit(RateLimit limit) {
        return limit == null
                ? ""
                : limit.requests()
                        + " per "
                        + DurationWords.per(limit.per())
                        + ", bursts of "
                        + limit.burst();
    }

    static String quota(Quota quota) {
        return quota == null ? "" : quota.requests() + " a " + quota.period().value();
    }

    static String format(Instant instant) {
        return instant == null ? "" : DATE_TIME.format(instant);
    }
}
