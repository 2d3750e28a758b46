package dev.keygate.core.key;

/** A key's status as reported to admins. */
public enum KeyStatus {
    ACTIVE,
    EXPIRED,
    DISABLED;

    /** Lower-case name, as in JSON. */
    public String value() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
