package dev.keygate.core.store;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What to create. Validation of user input (lengths, grammars) belongs to the caller (the admin
 * API); the store only refuses what it cannot store.
 *
 * @param owner required
 * @param name may be {@code null} or empty
 * @param scopes may be empty
 * @param organizations may be empty
 * @param expiresAt {@code null} for never
 * @param metadata may be empty
 */
public record NewKey(
        String owner,
        String name,
        Set<String> scopes,
        Set<String> organizations,
        Instant expiresAt,
        Map<String, String> metadata) {

    public NewKey {
        Objects.requireNonNull(owner, "owner");
        scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
        organizations = organizations == null ? Set.of() : Set.copyOf(organizations);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** A key for {@code owner} with nothing else set. */
    public static NewKey forOwner(String owner) {
        return new NewKey(owner, null, Set.of(), Set.of(), null, Map.of());
    }

    public NewKey withScopes(Set<String> scopes) {
        return new NewKey(owner, name, scopes, organizations, expiresAt, metadata);
    }

    public NewKey withOrganizations(Set<String> organizations) {
        return new NewKey(owner, name, scopes, organizations, expiresAt, metadata);
    }

    public NewKey withExpiresAt(Instant expiresAt) {
        return new NewKey(owner, name, scopes, organizations, expiresAt, metadata);
    }

    public NewKey withName(String name) {
        return new NewKey(owner, name, scopes, organizations, expiresAt, metadata);
    }
}
