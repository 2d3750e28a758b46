package dev.keygate.core.store;

import dev.keygate.core.key.KeyRecord;

/**
 * The outcome of a change that mints no key (update, remove).
 *
 * @param record the record after an update, or as it was just before a remove
 * @param epoch the epoch of the change
 */
public record KeyChange(KeyRecord record, long epoch) {}
