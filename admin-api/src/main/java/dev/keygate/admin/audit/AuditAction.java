package dev.keygate.admin.audit;

import java.util.Locale;

/** What an audited change did: to a key, or ({@code limits_*}) to an owner's shared limits. */
public enum AuditAction {
    CREATED,
    ROTATED,
    REMOVED,
    UPDATED,
    /** A rotation's grace was ended early: the previous secret stopped working at once. */
    ROTATION_COMPLETED,
    /** An owner's shared limits were set (the event has no key id). */
    LIMITS_SET,
    /** An owner's shared limits were removed, with their counters (the event has no key id). */
    LIMITS_REMOVED;

    /** Lower-case name, as stored and shown. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    static AuditAction parse(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
