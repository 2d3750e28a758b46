package dev.keygate.core.store;

import dev.keygate.core.limit.UsageLimits;
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
 * @param limits the key's own rate limit and quota, {@link UsageLimits#NONE} (or {@code null}) for
 *     none
 */
public record NewKey(
        String owner,
        String name,
        Set<String> scopes,
        Set<String> organizations,
        Instant expiresAt,
        Map<String, String> metadata,
        UsageLimits limits) {

    /** A key without limits of its own. */
    public NewKey(
            String owner,
            String name,
            Set<String> scopes,
            Set<String> organizations,
            Instant expiresAt,
            Map<String, String> metadata) {
        this(owner, name, scopes, organizations, expiresAt, metadata, UsageLimits.NONE);
    }

    public NewKey {
        Objects.requireNonNull(owner, "owner");
        scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
        organizations = organizations == null ? Set.of() : Set.copyOf(organizations);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        limits = limits == null ? UsageLimits.NONE : limits;
    }

    /** A key for {@code owner} with nothing else set. */
    public static NewKey forOwner(String owner) {
        return new NewKey(owner, null, Set.of(), Set.of(), null, Map.of());
    }

    public NewKey withScopes(Set<String> scopes) {
        return new NewKey(owner, name, scopes, organizations, expiresAt, metadata, limits);
    }

    public NewKey withOrganizations(Set<String> organizations) {
        return new NewKey(owner, name, scopes, organizations, expiresAt, metadata, limits);
    }

    public NewKey withExpiresAt(Instant expiresAt) {
        return new NewKey(owner, name, scopes, organizations, expiresAt, metadata, limits);
    }

    public NewKey withName(String name) {
        return new NewKey(owner, name, scopes, organizations, expiresAt, metadata, limits);
    }

    public NewKey withLimits(UsageLimits limits) {
        return new NewKey(owner, name, scopes, organizations, expiresAt, metadata, limits);
    }
}
