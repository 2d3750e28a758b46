package dev.keygate.gateway.cache;

import dev.keygate.core.key.KeyRecord;

/**
 * What the cache knows about a key id: its record, or that there is none. Store failures are not
 * lookups: they are error signals.
 */
public sealed interface KeyLookup {

    /** There is no key with this id (never created, or removed). */
    KeyLookup UNKNOWN = new Unknown();

    /** The id's record. */
    record Found(KeyRecord record) implements KeyLookup {}

    /** No such id. */
    final class Unknown implements KeyLookup {
        private Unknown() {}

        @Override
        public String toString() {
            return "Unknown";
        }
    }
}
