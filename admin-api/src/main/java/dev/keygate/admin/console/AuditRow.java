package dev.keygate.admin.console;

import dev.keygate.admin.audit.AuditEvent;
import java.util.List;
import java.util.Map;

/**
 * An audit event as the console shows it.
 *
 * @param time when, formatted
 * @param action what ({@code created}, {@code rotated}, ...)
 * @param keyId the key, if the event is about one
 * @param owner the owner
 * @param actor who (an admin token's name, or {@code portal:<owner>})
 * @param requestId the request that made it
 * @param changes what changed, never a secret
 */
public record AuditRow(
        String time,
        String action,
        String keyId,
        String owner,
        String actor,
        String requestId,
        Map<String, String> changes) {

    static List<AuditRow> of(List<AuditEvent> events) {
        return events.stream()
                .map(
                        event ->
                                new AuditRow(
                                        ConsoleKey.format(event.time()),
                                        event.action(),
                                        event.keyId() == null ? "" : event.keyId(),
                                        event.owner() == null ? "" : event.owner(),
                                        event.actor(),
                                        event.requestId() == null ? "" : event.requestId(),
                                        event.changes() == null ? Map.of() : event.changes()))
                .toList();
    }
}
