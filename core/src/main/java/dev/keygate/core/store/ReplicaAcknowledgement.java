package dev.keygate.core.store;

/**
 * How many Redis replicas confirmed (with {@code WAIT}) that they hold a change, against how many
 * the store was configured to wait for. A value; thread-safe.
 *
 * @param required the replicas waited for; 0 when the store does not wait ({@link #NOT_REQUESTED})
 * @param acknowledged the replicas that confirmed before the timeout; 0 when waiting failed
 */
public record ReplicaAcknowledgement(int required, int acknowledged) {

    /** The store was not asked to wait for replicas. */
    public static final ReplicaAcknowledgement NOT_REQUESTED = new ReplicaAcknowledgement(0, 0);

    public ReplicaAcknowledgement {
        if (required < 0 || acknowledged < 0) {
            throw new IllegalArgumentException(
                    "replica counts must not be negative: required="
                            + required
                            + ", acknowledged="
                            + acknowledged);
        }
    }

    /** Whether the store waited for replicas at all. */
    public boolean requested() {
        return required > 0;
    }

    /**
     * Whether fewer replicas than required confirmed the change: it is on the master, but a
     * failover before the replicas catch up could lose it.
     */
    public boolean shortfall() {
        return acknowledged < required;
    }
}
