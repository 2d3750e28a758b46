package dev.keygate.admin.auth;

/** An authenticated admin asked for something its role does not allow (403). */
public final class AdminAccessDeniedException extends RuntimeException {

    public AdminAccessDeniedException(String message) {
        super(message, null, false, false);
    }
}
