package dev.keygate.core.key;

import dev.keygate.core.limit.UsageLimits;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * One API key as stored: everything but the secret itself. Immutable; collections are unmodifiable
 * copies that iterate in sorted order (scopes and organizations as compact sorted arrays, since
 * every cached key holds them; metadata as a sorted map, or the shared empty map). {@link
 * #toString()} never shows the hashes.
 *
 * @param id the public id, stable for the life of the key
 * @param owner the account the key belongs to
 * @param name a human label, may be empty
 * @param organizations organisations the key acts for
 * @param scopes what the key may do
 * @param createdAt when the key was created
 * @param rotatedAt when the current secret was generated (equals {@code createdAt} until the first
 *     rotation)
 * @param expiresAt when the key stops working, or {@code null} for never
 * @param enabled whether the key may be used at all
 * @param secretHash {@code SHA-256} of the current secret
 * @param previousSecretHash {@code SHA-256} of the secret replaced by the last rotation, {@code
 *     null} before the first rotation. Accepted only before {@code previousSecretExpiresAt}.
 * @param previousSecretExpiresAt when the previous secret stops (or stopped) being accepted: after
 *     {@code rotatedAt} during a grace period, equal to it for a rotation without grace
 * @param metadata small free-form string map
 * @param limits the key's own rate limit and quota ({@link UsageLimits#NONE} for none); they belong
 *     to the id, so a rotation keeps them and their counters
 * @param ownerLimits the owner's limits, shared by all the owner's keys together: not part of the
 *     key's hash but read with it by {@code KeyStore.findById} (what a gateway caches); {@link
 *     UsageLimits#NONE} in the records that writes return
 * @param version incremented by every change, starting at 1
 */
public record KeyRecord(
        String id,
        String owner,
        String name,
        Set<String> organizations,
        Set<String> scopes,
        Instant createdAt,
        Instant rotatedAt,
        Instant expiresAt,
        boolean enabled,
        SecretHash secretHash,
        SecretHash previousSecretHash,
        Instant previousSecretExpiresAt,
        Map<String, String> metadata,
        UsageLimits limits,
        UsageLimits ownerLimits,
        long version) {

    public KeyRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(rotatedAt, "rotatedAt");
        Objects.requireNonNull(secretHash, "secretHash");
        if ((previousSecretHash == null) != (previousSecretExpiresAt == null)) {
            throw new IllegalArgumentException(
                    "previous secret hash and its expiry go together, key " + id);
        }
        name = name == null ? "" : name;
        organizations = SortedTokens.of("organization", organizations);
        scopes = SortedTokens.of("scope", scopes);
        metadata =
                metadata == null || metadata.isEmpty()
                        ? Map.of()
                        : Collections.unmodifiableSortedMap(new TreeMap<>(metadata));
        limits = limits == null ? UsageLimits.NONE : limits;
        ownerLimits = ownerLimits == null ? UsageLimits.NONE : ownerLimits;
    }

    /** This record with the owner's limits as read from the store. */
    public KeyRecord withOwnerLimits(UsageLimits ownerLimits) {
        return new KeyRecord(
                id,
                owner,
                name,
                organizations,
                scopes,
                createdAt,
                rotatedAt,
                expiresAt,
                enabled,
                secretHash,
                previousSecretHash,
                previousSecretExpiresAt,
                metadata,
                limits,
                ownerLimits,
                version);
    }

    /** Whether the key has an expiry and it has passed at {@code now}. */
    public boolean isExpired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    /** The status an admin sees: disabled wins over expired. */
    public KeyStatus status(Instant now) {
        if (!enabled) {
            return KeyStatus.DISABLED;
        }
        return isExpired(now) ? KeyStatus.EXPIRED : KeyStatus.ACTIVE;
    }

    /**
     * Which of this key's secrets {@code presented} is, in constant time per comparison. The
     * previous secret only counts while its grace lasts at {@code now}. Says nothing about enabled
     * or expiry.
     */
    public SecretMatch match(SecretHash presented, Instant now) {
        boolean current = secretHash.matches(presented);
        boolean previous =
                previousSecretHash != null
                        && previousSecretHash.matches(presented)
                        && now.isBefore(previousSecretExpiresAt);
        if (current) {
            return SecretMatch.CURRENT;
        }
        return previous ? SecretMatch.PREVIOUS : SecretMatch.NONE;
    }

    /** The scopes, sorted and comma-separated (an identity header's value); computed once. */
    public String joinedScopes() {
        return ((SortedTokens) scopes).joined();
    }

    /** The organizations, sorted and comma-separated; computed once. */
    public String joinedOrganizations() {
        return ((SortedTokens) organizations).joined();
    }

    @Override
    public String toString() {
        return "KeyRecord[id="
                + id
                + ", owner="
                + owner
                + ", name="
                + name
                + ", organizations="
                + organizations
                + ", scopes="
                + scopes
                + ", createdAt="
                + createdAt
                + ", rotatedAt="
                + rotatedAt
                + ", expiresAt="
                + expiresAt
                + ", enabled="
                + enabled
                + ", previousSecretExpiresAt="
                + previousSecretExpiresAt
                + ", limits="
                + limits
                + ", ownerLimits="
                + ownerLimits
                + ", version="
                + version
                + "]";
    }

    /** Which secret of a key was presented. */
    public enum SecretMatch {
        /** The current secret. */
        CURRENT,
        /** The previous secret, within its rotation grace. */
        PREVIOUS,
        /** Neither. */
        NONE
    }
}
