package dev.keygate.core.store;

import dev.keygate.core.key.KeyRecord;
import java.util.List;

/**
 * One page of an owner's keys, in id order.
 *
 * @param keys the records on this page
 * @param nextCursor pass to the next call to continue, {@code null} when this is the last page
 */
public record KeyPage(List<KeyRecord> keys, String nextCursor) {
    public KeyPage {
        keys = List.copyOf(keys);
    }
}
