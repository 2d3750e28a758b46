package dev.keygate.core.store;

import dev.keygate.core.key.KeyRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark-only access to the package-private {@link RecordCodec}: a record as a gateway holds it
 * after reading it from Redis (every string a fresh copy, as Lettuce decodes it). Lives in the
 * bench module only; a split package, which works on the class path (the benchmarks never run on
 * the module path).
 */
public final class BenchRecordCodec {

    private BenchRecordCodec() {}

    /** {@code record} encoded to its hash fields and decoded back, with fresh strings. */
    public static KeyRecord asReadFromRedis(KeyRecord record) {
        List<String> flat = RecordCodec.encode(record);
        List<Object> copies = new ArrayList<>(flat.size());
        for (String value : flat) {
            copies.add(new String(value.toCharArray()));
        }
        return RecordCodec.decode(RecordCodec.pairs(copies));
    }
}
