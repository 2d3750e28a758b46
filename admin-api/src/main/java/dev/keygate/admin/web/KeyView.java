package dev.keygate.admin.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.keygate.admin.propagation.PropagationReceipt;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.KeyRecord;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A key as admins see it: never its secret's hash, and the full {@code key} only in the answer to
 * the create or rotate that minted it. Properties without a value are left out.
 *
 * @param id the public id
 * @param start the visible start of the key, {@code <prefix>_<id>}, to recognise it
 * @param owner the account it belongs to
 * @param name the label
 * @param scopes what it may do, sorted
 * @param organizations organisations it acts for, sorted
 * @param createdAt when it was created
 * @param rotatedAt when the current secret was generated
 * @param expiresAt when it stops working; absent for never
 * @param previousKeyExpiresAt while a rotation's grace lasts, when the replaced key stops working
 * @param enabled whether it may be used
 * @param status {@code active}, {@code expired} or {@code disabled}, as of the answer
 * @param metadata free-form strings
 * @param rateLimit the key's own rate limit; absent for none
 * @param quota the key's own quota; absent for none
 * @param usage what the key used of its own limits, only when one key is read and it has limits
 * @param lastUsedAt the last accepted request with the current secret, as of the gateways' last
 *     flush; only when one key is read, absent when none is recorded
 * @param previousKeyLastUsedAt during a rotation's grace, the last accepted request with the
 *     previous secret; only when one key is read
 * @param usedScopes granted scopes that some called route required within the usage retention, with
 *     the last time; only when one key is read
 * @param unusedScopes granted scopes that no call required within the usage retention; only when
 *     one key is read
 * @param version incremented by every change
 * @param key the full key, only in the answer that minted it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeyView(
        String id,
        String start,
        String owner,
        String name,
        List<String> scopes,
        List<String> organizations,
        Instant createdAt,
        Instant rotatedAt,
        Instant expiresAt,
        Instant previousKeyExpiresAt,
        boolean enabled,
        @Schema(allowableValues = {"active", "expired", "disabled"}) String status,
        Map<String, String> metadata,
        RateLimitJson rateLimit,
        QuotaJson quota,
        @Schema(description = "Only when one key is read, and only for the limits it has.")
                UsageView usage,
        Instant lastUsedAt,
        Instant previousKeyLastUsedAt,
        @Schema(description = "Only when one key is read.") List<ScopeUseView> usedScopes,
        @Schema(description = "Only when one key is read.") List<String> unusedScopes,
        long version,
        @Schema(description = "The full key: shown in this answer only, store it now.") String key,
        @Schema(description = "Only in the answer to a change: which gateways have applied it.")
                @JsonInclude(JsonInclude.Include.NON_NULL)
                PropagationReceipt propagation) {

    /** The view of a record as of {@code now}, without the key and without usage. */
    public static KeyView of(KeyRecord record, ApiKeyFormat format, Instant now) {
        boolean inGrace =
                record.previousSecretExpiresAt() != null
                        && now.isBefore(record.previousSecretExpiresAt());
        return new KeyView(
                record.id(),
                format.visiblePart(record.id()),
                record.owner(),
                record.name(),
                List.copyOf(record.scopes()),
                List.copyOf(record.organizations()),
                record.createdAt(),
                record.rotatedAt(),
                record.expiresAt(),
                inGrace ? record.previousSecretExpiresAt() : null,
                record.enabled(),
                record.status(now).value(),
                record.metadata(),
                RateLimitJson.of(record.limits().rateLimit()),
                QuotaJson.of(record.limits().quota()),
                null,
                null,
                null,
                null,
                null,
                record.version(),
                null,
                null);
    }

    /** This view with the key's usage ({@code null}: none shown). */
    public KeyView withUsage(UsageView usage) {
        return new KeyView(
                id,
                start,
                owner,
                name,
                scopes,
                organizations,
                createdAt,
                rotatedAt,
                expiresAt,
                previousKeyExpiresAt,
                enabled,
                status,
                metadata,
                rateLimit,
                quota,
                usage,
                lastUsedAt,
                previousKeyLastUsedAt,
                usedScopes,
                unusedScopes,
                version,
                key,
                propagation);
    }

    /** This view with when the key was used, per secret and per scope. */
    public KeyView withLastUse(
            Instant lastUsedAt,
            Instant previousKeyLastUsedAt,
            List<ScopeUseView> usedScopes,
            List<String> unusedScopes) {
        return new KeyView(
                id,
                start,
                owner,
                name,
                scopes,
                organizations,
                createdAt,
                rotatedAt,
                expiresAt,
                previousKeyExpiresAt,
                enabled,
                status,
                metadata,
                rateLimit,
                quota,
                usage,
                lastUsedAt,
                previousKeyLastUsedAt,
                List.copyOf(usedScopes),
                List.copyOf(unusedScopes),
                version,
                key,
                propagation);
    }

    /**
     * A granted scope that calls needed.
     *
     * @param scope the scope
     * @param lastUsedAt the last time a called route required it
     */
    @Schema(name = "ScopeUse")
    public record ScopeUseView(String scope, Instant lastUsedAt) {}

    /** This view with the full key. */
    public KeyView withKey(String key) {
        return new KeyView(
                id,
                start,
                owner,
                name,
                scopes,
                organizations,
                createdAt,
                rotatedAt,
                expiresAt,
                previousKeyExpiresAt,
                enabled,
                status,
                metadata,
                rateLimit,
                quota,
                usage,
                lastUsedAt,
                previousKeyLastUsedAt,
                usedScopes,
                unusedScopes,
                version,
                key,
                propagation);
    }

    /** This view with the change's propagation receipt. */
    public KeyView withPropagation(PropagationReceipt propagation) {
        return new KeyView(
                id,
                start,
                owner,
                name,
                scopes,
                organizations,
                createdAt,
                rotatedAt,
                expiresAt,
                previousKeyExpiresAt,
                enabled,
                status,
                metadata,
                rateLimit,
                quota,
                usage,
                lastUsedAt,
                previousKeyLastUsedAt,
                usedScopes,
                unusedScopes,
                version,
                key,
                propagation);
    }

    @Override
    public String toString() {
        return "KeyView[id=" + id + ", owner=" + owner + ", version=" + version + "]";
    }
}
