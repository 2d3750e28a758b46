package dev.keygate.core.store;

import dev.keygate.core.limit.Quota;
import dev.keygate.core.limit.RateLimit;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A partial change to a key: every {@code null} component means "leave as is". {@code expiresAt} is
 * an {@link Optional} so that "remove the expiry" ({@code Optional.empty()}) differs from "leave
 * it" ({@code null}); so are {@code rateLimit} and {@code quota} (empty: remove the limit). {@code
 * metadata}, when given, replaces the whole map.
 */
public record KeyUpdate(
        String name,
        Set<String> scopes,
        Set<String> organizations,
        Optional<Instant> expiresAt,
        Boolean enabled,
        Map<String, String> metadata,
        Optional<RateLimit> rateLimit,
        Optional<Quota> quota) {

    /** A change that leaves the limits as they are. */
    public KeyUpdate(
            String name,
            Set<String> scopes,
            Set<String> organizations,
            Optional<Instant> expiresAt,
            Boolean enabled,
            Map<String, String> metadata) {
        this(name, scopes, organizations, expiresAt, enabled, metadata, null, null);
    }

    /** No change at all (still bumps the version and publishes an invalidation). */
    public static KeyUpdate none() {
        return new KeyUpdate(null, null, null, null, null, null, null, null);
    }

    public KeyUpdate withName(String name) {
        return new KeyUpdate(
                name, scopes, organizations, expiresAt, enabled, metadata, rateLimit, quota);
    }

    public KeyUpdate withScopes(Set<String> scopes) {
        return new KeyUpdate(
                name, scopes, organizations, expiresAt, enabled, metadata, rateLimit, quota);
    }

    public KeyUpdate withOrganizations(Set<String> organizations) {
        return new KeyUpdate(
                name, scopes, organizations, expiresAt, enabled, metadata, rateLimit, quota);
    }

    public KeyUpdate withExpiresAt(Optional<Instant> expiresAt) {
        return new KeyUpdate(
                name, scopes, organizations, expiresAt, enabled, metadata, rateLimit, quota);
    }

    public KeyUpdate withEnabled(Boolean enabled) {
        return new KeyUpdate(
                name, scopes, organizations, expiresAt, enabled, metadata, rateLimit, quota);
    }

    public KeyUpdate withMetadata(Map<String, String> metadata) {
        return new KeyUpdate(
                name, scopes, organizations, expiresAt, enabled, metadata, rateLimit, quota);
    }

    public KeyUpdate withRateLimit(Optional<RateLimit> rateLimit) {
        return new KeyUpdate(
                name, scopes, organizations, expiresAt, enabled, metadata, rateLimit, quota);
    }

    public KeyUpdate withQuota(Optional<Quota> quota) {
        return new KeyUpdate(
                name, scopes, organizations, expiresAt, enabled, metadata, rateLimit, quota);
    }
}
