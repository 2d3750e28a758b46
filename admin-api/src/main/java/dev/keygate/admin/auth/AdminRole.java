package dev.keygate.admin.auth;

import java.util.Locale;

/** What an admin token may do. */
public enum AdminRole {
    /** Every operation. */
    ADMIN,
    /** {@code GET} (and {@code HEAD}) only. */
    READ_ONLY;

    /** The name as configured and logged: {@code admin}, {@code read-only}. */
    public String value() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
