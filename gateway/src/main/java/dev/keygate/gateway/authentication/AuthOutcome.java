package dev.keygate.gateway.authentication;

import java.util.Locale;

/**
 * Every way an authentication attempt can end; the {@link #code()} tags the {@code keygate.auth}
 * metric. Callers never see the difference between the 401 outcomes: the response body is the same.
 */
public enum AuthOutcome {
    /** The key is valid and allowed on the route. */
    VALID,
    /** No key was presented. */
    MISSING,
    /** Something was presented but it is not a well-formed key (checked without I/O). */
    MALFORMED,
    /** Two different keys were presented in one request. */
    AMBIGUOUS,
    /** Well-formed, but no key has that id (never existed, or removed). */
    UNKNOWN,
    /** The id exists but the secret is not its current (or in-grace previous) secret. */
    BAD_SECRET,
    /** The secret is one that was rotated away and whose grace period is over. */
    REVOKED,
    /** The key has expired. */
    EXPIRED,
    /** The key is disabled. */
    DISABLED,
    /** Valid key, but it lacks a scope or organization the route requires. */
    FORBIDDEN,
    /**
     * Too many failed attempts from the client's address this minute: refused before any lookup.
     */
    THROTTLED,
    /**
     * The key store could not be asked, or the cache could not be trusted and Redis did not answer.
     */
    UNAVAILABLE;

    /** Lower-case code, for metric tags. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
