package dev.keygate.core.store;

/** A rotation's grace was to be ended, but the key is not in one (never rotated, or it is over). */
public final class NoGracePeriodException extends RuntimeException {

    private final String id;

    public NoGracePeriodException(String id) {
        super("key " + id + " is not in a rotation's grace period");
        this.id = id;
    }

    public String id() {
        return id;
    }
}
