package dev.keygate.admin.audit;

import java.util.Locale;

/** What an audited change did. */
public enum AuditAction {
    CREATED,
    ROTATED,
    REMOVED,
    UPDATED;

    /** Lower-case name, as stored and shown. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    static AuditAction parse(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
