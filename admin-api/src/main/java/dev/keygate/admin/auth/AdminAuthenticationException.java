package dev.keygate.admin.auth;

/**
 * A request to {@code /v1} without a valid admin token (401). The message never contains the
 * presented token.
 */
public final class AdminAuthenticationException extends RuntimeException {

    public AdminAuthenticationException(String message) {
        super(message, null, false, false);
    }
}
