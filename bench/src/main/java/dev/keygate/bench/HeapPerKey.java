package dev.keygate.bench;

import dev.keygate.bench.jmh.HotPathFixture;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.key.ApiKeyGenerator.GeneratedKey;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.store.BenchRecordCodec;
import dev.keygate.gateway.cache.KeyCache;
import java.lang.management.ManagementFactory;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.openjdk.jol.info.GraphLayout;
import reactor.core.publisher.Mono;

/**
 * Heap per cached key: the retained heap of a {@link KeyCache} holding {@code count} records (1
 * million by default), each shaped like the benchmark's keys and decoded the way the gateway
 * decodes them (fresh strings). Measured as heap used after full GCs, with the cache filled and
 * nothing else holding the records, minus the same with the cache empty. Run it with {@code
 * -XX:+UseSerialGC} so {@code System.gc()} is a full, compacting collection. JOL gives the deep
 * size of one record for comparison (what the record itself costs, without the cache's entry).
 */
public final class HeapPerKey {

    private HeapPerKey() {}

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        ApiKeyGenerator generator =
                new ApiKeyGenerator(ApiKeyFormat.defaults(), new SecureRandom());
        Instant now = Instant.now();
        String[] ids = new String[count];
        for (int i = 0; i < count; i++) {
            ids[i] = generator.newKey().id();
        }
        // The store builds each record on demand, decoded as from Redis, and keeps nothing.
        KeyCache cache =
                HotPathFixture.trustedCache(new GeneratingStore(generator, now), count * 2L);
        long before = usedAfterGc();
        for (int i = 0; i < count; i++) {
            // A fresh copy of the id, as the parser cuts it out of the request header.
            cache.lookup(new String(ids[i].toCharArray())).block();
        }
        long after = usedAfterGc();
        long recordDeep =
                GraphLayout.parseInstance(
                                BenchRecordCodec.asReadFromRedis(
                                        HotPathFixture.record(generator.forId(ids[0]), 0, now)))
                        .totalSize();
        System.out.printf(
                Locale.ROOT,
                "HEAP cached=%d heap-before=%dMB heap-after=%dMB per-key=%d bytes"
                        + " (the record alone, JOL deep size: %d bytes)%n",
                cache.size(),
                before >> 20,
                after >> 20,
                (after - before) / count,
                recordDeep);
        if (cache.size() < count * 0.99 || ids.length != count) {
            throw new IllegalStateException("cache holds only " + cache.size());
        }
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Builds the record for any id on demand; keeps nothing. */
    private static final class GeneratingStore extends HotPathFixtureStore {
        private final ApiKeyGenerator generator;
        private final Instant now;
        private int next;

        GeneratingStore(ApiKeyGenerator generator, Instant now) {
            this.generator = generator;
            this.now = now;
        }

        @Override
        public Mono<KeyRecord> findById(String id) {
            GeneratedKey key = generator.forId(id);
            return Mono.just(
                    BenchRecordCodec.asReadFromRedis(HotPathFixture.record(key, next++, now)));
        }
    }

    /** Unused operations fail. */
    private abstract static class HotPathFixtureStore implements dev.keygate.core.store.KeyStore {
        @Override
        public Mono<dev.keygate.core.store.IssuedKey> create(dev.keygate.core.store.NewKey key) {
            return Mono.error(new UnsupportedOperationException());
        }

        @Override
        public Mono<dev.keygate.core.store.IssuedKey> rotate(String id, Duration gracePeriod) {
            return Mono.error(new UnsupportedOperationException());
        }

        @Override
        public Mono<dev.keygate.core.store.KeyChange> update(
                String id, dev.keygate.core.store.KeyUpdate update) {
            return Mono.error(new UnsupportedOperationException());
        }

        @Override
        public Mono<dev.keygate.core.store.KeyChange> remove(String id) {
            return Mono.error(new UnsupportedOperationException());
        }

        @Override
        public Mono<dev.keygate.core.store.KeyPage> listByOwner(
                String owner, String cursor, int limit) {
            return Mono.error(new UnsupportedOperationException());
        }

        @Override
        public Mono<Long> currentEpoch() {
            return Mono.just(0L);
        }
    }
}
