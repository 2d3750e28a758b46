package dev.keygate.core.store;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A partial change to a key: every {@code null} component means "leave as is". {@code expiresAt} is
 * an {@link Optional} so that "remove the expiry" ({@code Optional.empty()}) differs from "leave
 * it" ({@code null}). {@code metadata}, when given, replaces the whole map.
 */
public record KeyUpdate(
        String name,
        Set<String> scopes,
        Set<String> organizations,
        Optional<Instant> expiresAt,
        Boolean enabled,
        Map<String, String> metadata) {

    /** No change at all (still bumps the version and publishes an invalidation). */
    public static KeyUpdate none() {
        return new KeyUpdate(null, null, null, null, null, null);
    }

    public KeyUpdate withName(String name) {
        return new KeyUpdate(name, scopes, organizations, expiresAt, enabled, metadata);
    }

    public KeyUpdate withScopes(Set<String> scopes) {
        return new KeyUpdate(name, scopes, organizations, expiresAt, enabled, metadata);
    }

    public KeyUpdate withOrganizations(Set<String> organizations) {
        return new KeyUpdate(name, scopes, organizations, expiresAt, enabled, metadata);
    }

    public KeyUpdate withExpiresAt(Optional<Instant> expiresAt) {
        return new KeyUpdate(name, scopes, organizations, expiresAt, enabled, metadata);
    }

    public KeyUpdate withEnabled(Boolean enabled) {
        return new KeyUpdate(name, scopes, organizations, expiresAt, enabled, metadata);
    }

    public KeyUpdate withMetadata(Map<String, String> metadata) {
        return new KeyUpdate(name, scopes, organizations, expiresAt, enabled, metadata);
    }
}
