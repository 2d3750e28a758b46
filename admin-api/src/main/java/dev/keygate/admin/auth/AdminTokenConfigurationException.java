package dev.keygate.admin.auth;

/**
 * The admin tokens are missing or unusable; the application does not start. The message says how to
 * fix it and never contains a token.
 */
public final class AdminTokenConfigurationException extends IllegalStateException {

    public AdminTokenConfigurationException(String message) {
        super(message);
    }
}
