package dev.keygate.core.store;

import dev.keygate.core.key.ApiKeyFormat;

/**
 * One message on the invalidation channel: {@code "<epoch> <id>"}, published after the change it
 * announces was written and the epoch incremented. {@link #ALL_KEYS} as id asks every gateway to
 * flush its whole cache.
 *
 * @param epoch the value {@code INCR <ns>:epoch} returned for this change
 * @param id the key id that changed, or {@link #ALL_KEYS}
 */
public record Invalidation(long epoch, String id) {

    /** The id that stands for every key. */
    public static final String ALL_KEYS = "*";

    /** The wire form. */
    public String encode() {
        return epoch + " " + id;
    }

    /** Whether this message asks for a full flush. */
    public boolean isFlushAll() {
        return ALL_KEYS.equals(id);
    }

    /**
     * Reads the wire form.
     *
     * @throws IllegalArgumentException when the message is not {@code "<epoch> <id>"} with a
     *     positive epoch and a well-formed id (a subscriber should then flush: it cannot tell what
     *     changed)
     */
    public static Invalidation parse(String message) {
        int space = message == null ? -1 : message.indexOf(' ');
        if (space <= 0 || space != message.lastIndexOf(' ')) {
            throw new IllegalArgumentException("not an invalidation message: '" + message + "'");
        }
        long epoch;
        try {
            epoch = Long.parseLong(message, 0, space, 10);
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException(
                    "not an invalidation message: '" + message + "'", ex);
        }
        String id = message.substring(space + 1);
        if (epoch <= 0 || !(ALL_KEYS.equals(id) || ApiKeyFormat.isWellFormedId(id))) {
            throw new IllegalArgumentException("not an invalidation message: '" + message + "'");
        }
        return new Invalidation(epoch, id);
    }
}
