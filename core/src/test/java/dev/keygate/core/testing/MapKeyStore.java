package dev.keygate.core.testing;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.KeyChange;
import dev.keygate.core.store.KeyPage;
import dev.keygate.core.store.KeyStore;
import dev.keygate.core.store.KeyUpdate;
import dev.keygate.core.store.NewKey;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.dao.DataAccessResourceFailureException;
import reactor.core.publisher.Mono;

/**
 * A read-only {@link KeyStore} in memory, for what the gateway needs without Redis (cache, filter
 * and wiring tests, benchmarks): records served from a map, reads counted, and a switch that makes
 * every read fail as a Redis outage would. Writes are not supported. Thread-safe.
 */
public final class MapKeyStore implements KeyStore {

    private final Map<String, KeyRecord> records;
    private final AtomicInteger reads = new AtomicInteger();
    private volatile boolean failing;

    /** An empty store. */
    public MapKeyStore() {
        this(new ConcurrentHashMap<>());
    }

    /** A store serving {@code records} (not copied: changes to the map are seen). */
    public MapKeyStore(Map<String, KeyRecord> records) {
        this.records = records;
    }

    public void put(KeyRecord record) {
        records.put(record.id(), record);
    }

    public void forget(String id) {
        records.remove(id);
    }

    /** How many times {@link #findById} was called. */
    public int reads() {
        return reads.get();
    }

    /** Makes every read fail with a data-access error (as Spring Data Redis reports Redis down). */
    public void failReads(boolean failing) {
        this.failing = failing;
    }

    @Override
    public Mono<KeyRecord> findById(String id) {
        reads.incrementAndGet();
        if (failing) {
            return Mono.error(new DataAccessResourceFailureException("the store is down"));
        }
        return Mono.justOrEmpty(records.get(id));
    }

    @Override
    public Mono<IssuedKey> create(NewKey key) {
        return readOnly();
    }

    @Override
    public Mono<IssuedKey> rotate(String id, Duration gracePeriod) {
        return readOnly();
    }

    @Override
    public Mono<KeyChange> update(String id, KeyUpdate update) {
        return readOnly();
    }

    @Override
    public Mono<KeyChange> remove(String id) {
        return readOnly();
    }

    @Override
    public Mono<KeyPage> listByOwner(String owner, String cursor, int limit) {
        return readOnly();
    }

    @Override
    public Mono<Long> currentEpoch() {
        return Mono.just(0L);
    }

    private static <T> Mono<T> readOnly() {
        return Mono.error(new UnsupportedOperationException("a read-only store"));
    }
}
