package dev.keygate.admin.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One change in the audit trail. Never holds a secret or a hash.
 *
 * @param id the stream entry id ({@code <ms>-<seq>}), {@code null} before it is written
 * @param time when the change was made (the admin API's clock)
 * @param action what was done
 * @param keyId the key changed; {@code null} for a change of an owner's limits
 * @param owner the key's owner, or the owner whose limits changed
 * @param actor the name of the admin token that made the change
 * @param requestId the request's {@code X-Request-Id}
 * @param changes what changed: property name to its new value (sets space-separated, metadata as
 *     {@code metadata.<name>})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEvent(
        String id,
        Instant time,
        String action,
        String keyId,
        String owner,
        String actor,
        String requestId,
        Map<String, String> changes) {

    public AuditEvent {
        changes =
                changes == null
                        ? Map.of()
                        : Collections.unmodifiableSortedMap(new TreeMap<>(changes));
    }

    /** A new event, not yet written. */
    public static AuditEvent of(
            Instant time,
            AuditAction action,
            String keyId,
            String owner,
            String actor,
            String requestId,
            Map<String, String> changes) {
        return new AuditEvent(null, time, action.value(), keyId, owner, actor, requestId, changes);
    }
}
