package dev.keygate.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.KeyChange;
import dev.keygate.core.store.KeyPage;
import dev.keygate.core.store.KeyStore;
import dev.keygate.core.store.KeyUpdate;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

@ExtendWith(RedisExtension.class)
class KeyCacheTests {

    private static final Duration MAX_AGE = Duration.ofMinutes(10);
    private static final Duration NEGATIVE_TTL = Duration.ofSeconds(2);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String UNKNOWN_ID = "AAAAAAAAAAA";

    /** How long a read that should not happen is watched for. */
    private static final Duration NO_READ_WINDOW = Duration.ofMillis(500);

    private final RedisServer redis;
    private final FakeTicker ticker = new FakeTicker();
    private final AtomicBoolean trusted = new AtomicBoolean(true);
    private SimpleMeterRegistry registry;
    private TestKeys keys;
    private RedisKeyStore redisStore;
    private ControlledStore store;
    private KeyCache cache;

    KeyCacheTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeEach
    void connect() {
        redis.flushAll();
        keys = TestKeys.connectedTo(redis, Clock.systemUTC());
        redisStore = keys.store();
        store = new ControlledStore(redisStore);
        cache = newCache(COMMAND_TIMEOUT);
    }

    @AfterEach
    void disconnect() {
        store.release();
        keys.close();
    }

    private KeyCache newCache(Duration commandTimeout) {
        registry = new SimpleMeterRegistry();
        return new KeyCache(
                store,
                trusted::get,
                1_000,
                MAX_AGE,
                1_000,
                NEGATIVE_TTL,
                commandTimeout,
                ticker,
                registry);
    }

    private KeyRecord createKey() {
        return redisStore
                .create(NewKey.forOwner("acct-1").withScopes(Set.of("a:read")))
                .block(WAIT)
                .record();
    }

    private KeyRecord disable(String id) {
        return redisStore.update(id, KeyUpdate.none().withEnabled(false)).block(WAIT).record();
    }

    private KeyLookup lookupNow(String id) {
        return cache.lookup(id).block(WAIT);
    }

    private static String redisKey(String id) {
        return RedisKeyspace.defaults().key(id);
    }

    @Test
    void concurrentMissesOnOneIdShareOneStoreRead() throws Exception {
        KeyRecord record = createKey();
        store.hold();

        List<CompletableFuture<KeyLookup>> lookups = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            lookups.add(cache.lookup(record.id()).toFuture());
        }
        await().atMost(WAIT).until(() -> store.answered.get() == 1);
        store.release();

        for (CompletableFuture<KeyLookup> lookup : lookups) {
            assertThat(lookup.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .isEqualTo(new KeyLookup.Found(record));
        }
        assertThat(store.reads.get()).isEqualTo(1);
        // and from then on it is a hit
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));
        assertThat(store.reads.get()).isEqualTo(1);
    }

    @Test
    void unknownIdIsCachedNegativelyForItsTtl() {
        StepVerifier.create(cache.lookup(UNKNOWN_ID))
                .expectNext(KeyLookup.UNKNOWN)
                .verifyComplete();
        StepVerifier.create(cache.lookup(UNKNOWN_ID))
                .expectNext(KeyLookup.UNKNOWN)
                .verifyComplete();
        ticker.advance(NEGATIVE_TTL.minusNanos(1));
        StepVerifier.create(cache.lookup(UNKNOWN_ID))
                .expectNext(KeyLookup.UNKNOWN)
                .verifyComplete();
        assertThat(store.reads.get()).isEqualTo(1);

        ticker.advance(Duration.ofNanos(1));
        StepVerifier.create(cache.lookup(UNKNOWN_ID))
                .expectNext(KeyLookup.UNKNOWN)
                .verifyComplete();
        assertThat(store.reads.get()).isEqualTo(2);

        // each id has its own entry
        StepVerifier.create(cache.lookup("BBBBBBBBBBB"))
                .expectNext(KeyLookup.UNKNOWN)
                .verifyComplete();
        assertThat(store.reads.get()).isEqualTo(3);
        // Caffeine drops the empty future in a callback on the Redis thread, which may run just
        // after the lookup has answered (a future runs its callbacks newest first)
        await().atMost(WAIT).until(() -> cache.size() == 0);
    }

    /**
     * S5b's race: a lookup checks the negative space (empty), then a concurrent load of the same id
     * finds it unknown, remembers that and drops its empty future; only then does the first lookup
     * ask for the shared load. It must answer from the negative entry, not read Redis again.
     */
    @Test
    void
            lookupThatMissedTheNegativeCacheJustBeforeAConcurrentLoadFoundTheIdUnknownDoesNotReadTheStoreAgain()
                    throws Exception {
        store.hold();
        CompletableFuture<KeyLookup> first = cache.lookup(UNKNOWN_ID).toFuture();
        await().atMost(WAIT).until(() -> store.answered.get() == 1); // Redis said: no such key
        // here the racing lookup finds no negative entry (the first load has not finished) ...
        assertThat(first).isNotDone();

        store.release(); // ... the first load finishes: negative entry in, empty future out ...
        assertThat(first.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(KeyLookup.UNKNOWN);
        await().atMost(WAIT).until(() -> cache.size() == 0); // dropped on the Redis thread

        // ... and only now does the racing lookup ask for the shared load
        StepVerifier.create(cache.sharedLoad(UNKNOWN_ID))
                .expectNext(KeyLookup.UNKNOWN)
                .verifyComplete();
        assertThat(store.reads.get()).isEqualTo(1);
        assertThat(cache.size()).isZero();
        assertThat(lookupNow(UNKNOWN_ID)).isEqualTo(KeyLookup.UNKNOWN);
        assertThat(store.reads.get()).isEqualTo(1);
    }

    @Test
    void sharedLoadOfAnIdWithNoNegativeEntryReadsTheStoreOnceForAllConcurrentCallers()
            throws Exception {
        KeyRecord record = createKey();
        store.hold();

        CompletableFuture<KeyLookup> first = cache.sharedLoad(record.id()).toFuture();
        CompletableFuture<KeyLookup> second = cache.sharedLoad(record.id()).toFuture();
        await().atMost(WAIT).until(() -> store.answered.get() == 1);
        assertThat(first).isNotDone(); // the load is asynchronous: nothing completes it early
        store.release();

        assertThat(first.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo(new KeyLookup.Found(record));
        assertThat(second.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo(new KeyLookup.Found(record));
        assertThat(store.reads.get()).isEqualTo(1);
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));
        assertThat(store.reads.get()).isEqualTo(1);
    }

    @Test
    void invalidatingAnIdPurgesItsNegativeEntrySoAKeyCreatedAfterAMissIsFoundAtOnce() {
        KeyRecord record = createKey();
        // the key does not exist yet: park its hash elsewhere
        redis.command("RENAME", redisKey(record.id()), "parked");
        assertThat(lookupNow(record.id())).isEqualTo(KeyLookup.UNKNOWN);

        redis.command("RENAME", "parked", redisKey(record.id())); // now it is created
        assertThat(lookupNow(record.id())).isEqualTo(KeyLookup.UNKNOWN); // still the negative entry
        cache.invalidate(record.id()); // what the creation's message does

        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));
        assertThat(store.reads.get()).isEqualTo(2);
    }

    @Test
    void invalidateDropsACachedRecord() {
        KeyRecord record = createKey();
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));
        KeyRecord disabled = disable(record.id());
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));

        cache.invalidate(record.id());

        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(disabled));
        assertThat(store.reads.get()).isEqualTo(2);
    }

    @Test
    void removedKeyIsRefusedFromMemoryOnceItsInvalidationArrives() {
        KeyRecord record = createKey();
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));
        redisStore.remove(record.id()).block(WAIT);

        cache.invalidate(record.id()); // what the removal's message does

        // read again at once, in the background: the next request is answered from memory
        await().atMost(WAIT).until(() -> cache.lookupCached(record.id()) == KeyLookup.UNKNOWN);
        assertThat(store.reads.get()).isEqualTo(2);
    }

    @Test
    void changedKeyIsReadAgainAsSoonAsItsInvalidationArrives() {
        KeyRecord record = createKey();
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));
        KeyRecord disabled = disable(record.id());

        cache.invalidate(record.id());

        await().atMost(WAIT)
                .until(() -> new KeyLookup.Found(disabled).equals(cache.lookupCached(record.id())));
        assertThat(store.reads.get()).isEqualTo(2);
    }

    @Test
    void invalidationOfIdsThisGatewayHasNotLookedUpReadsNothing() {
        KeyRecord record = createKey();

        cache.invalidate(record.id());
        cache.invalidate(UNKNOWN_ID);

        // a reload is started by the invalidation (at once, or in the background): none comes
        assertNoReadDuring(NO_READ_WINDOW, 0);
        assertThat(cache.lookupCached(record.id())).isNull();
    }

    @Test
    void untrustedCacheIsNotReadAgainOnInvalidation() {
        KeyRecord record = createKey();
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));
        trusted.set(false);

        cache.invalidate(record.id());

        assertNoReadDuring(NO_READ_WINDOW, 1);
    }

    /**
     * The store's read count stays {@code reads} for the whole {@code window}: a reload the cache
     * started in the background (as {@link #changedKeyIsReadAgainAsSoonAsItsInvalidationArrives}
     * shows it does, within milliseconds) would be counted within it.
     */
    private void assertNoReadDuring(Duration window, int reads) {
        await().during(window)
                .atMost(window.plus(WAIT))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> store.reads.get() == reads);
    }

    @Test
    void failedReadAfterAnInvalidationIsCountedAndLeavesNothingCached() {
        KeyRecord record = createKey();
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));
        store.failNextRead(new IllegalStateException("Redis went away"));

        cache.invalidate(record.id());

        await().atMost(WAIT)
                .until(() -> registry.counter("keygate.cache.reloads.failed").count() == 1);
        awaitFailedLoadDropped();
        assertThat(cache.lookupCached(record.id())).isNull();
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));
        assertThat(store.reads.get()).isEqualTo(3);
    }

    @Test
    void invalidationDuringAnInFlightLoadDoesNotLeaveTheOldRecordInTheCache() throws Exception {
        assertInFlightLoadIsDiscarded(id -> cache.invalidate(id));
    }

    @Test
    void flushDuringAnInFlightLoadDoesNotLeaveTheOldRecordInTheCache() throws Exception {
        assertInFlightLoadIsDiscarded(id -> cache.invalidateAll());
    }

    private void assertInFlightLoadIsDiscarded(Consumer<String> invalidation) throws Exception {
        KeyRecord record = createKey();
        store.hold();
        CompletableFuture<KeyLookup> inFlight = cache.lookup(record.id()).toFuture();
        // Redis has answered with the old record; the load has not completed yet
        await().atMost(WAIT).until(() -> store.answered.get() == 1);

        KeyRecord disabled = disable(record.id());
        invalidation.accept(record.id());
        store.release();

        // the request that started the load may still see the old record ...
        assertThat(inFlight.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo(new KeyLookup.Found(record));
        // ... but the cache must not keep it
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(disabled));
        assertThat(store.reads.get()).isEqualTo(2);
    }

    @Test
    void invalidationDuringAnInFlightMissDoesNotLeaveANegativeEntry() throws Exception {
        assertInFlightMissIsDiscarded(id -> cache.invalidate(id));
    }

    @Test
    void flushDuringAnInFlightMissDoesNotLeaveANegativeEntry() throws Exception {
        assertInFlightMissIsDiscarded(id -> cache.invalidateAll());
    }

    private void assertInFlightMissIsDiscarded(Consumer<String> invalidation) throws Exception {
        KeyRecord record = createKey();
        redis.command("RENAME", redisKey(record.id()), "parked");
        store.hold();
        CompletableFuture<KeyLookup> inFlight = cache.lookup(record.id()).toFuture();
        await().atMost(WAIT).until(() -> store.answered.get() == 1); // Redis said: no such key

        redis.command("RENAME", "parked", redisKey(record.id())); // the key is created
        invalidation.accept(record.id());
        store.release();

        assertThat(inFlight.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(KeyLookup.UNKNOWN);
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));
        assertThat(store.reads.get()).isEqualTo(2);
    }

    @Test
    void untrustedCacheReadsTheStoreOnEveryLookupAndCachesNoMiss() {
        KeyRecord record = createKey();
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));
        KeyRecord disabled = disable(record.id()); // a change whose message was lost
        trusted.set(false);

        for (int i = 0; i < 3; i++) {
            assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(disabled));
            assertThat(lookupNow(UNKNOWN_ID)).isEqualTo(KeyLookup.UNKNOWN);
        }
        assertThat(store.reads.get()).isEqualTo(1 + 6);

        trusted.set(true);
        assertThat(lookupNow(UNKNOWN_ID)).isEqualTo(KeyLookup.UNKNOWN);
        assertThat(store.reads.get()).isEqualTo(1 + 6 + 1); // no negative entry was left behind
    }

    @Test
    void storeErrorIsAnErrorSignalAndNothingIsCached() {
        // a hash that is not a readable record: the store reports a failure, not "no such key"
        redis.command("HSET", redisKey(UNKNOWN_ID), "owner", "acct-1");

        StepVerifier.create(cache.lookup(UNKNOWN_ID))
                .expectError(IllegalStateException.class)
                .verify(WAIT);
        awaitFailedLoadDropped();
        StepVerifier.create(cache.lookup(UNKNOWN_ID))
                .expectError(IllegalStateException.class)
                .verify(WAIT);
        awaitFailedLoadDropped();
        assertThat(store.reads.get()).isEqualTo(2);

        redis.command("DEL", redisKey(UNKNOWN_ID));
        StepVerifier.create(cache.lookup(UNKNOWN_ID))
                .expectNext(KeyLookup.UNKNOWN)
                .verifyComplete();
        assertThat(store.reads.get()).isEqualTo(3);
        assertThat(registry.get("keygate.store.load").tag("result", "error").timer().count())
                .isEqualTo(2);
    }

    /**
     * Caffeine drops a failed load in a completion callback that runs after the callers have been
     * told of the failure; until then it is still in the cache. See {@link
     * #lookupThatStartsAfterALoadFailedReadsTheStoreAgain()}.
     */
    private void awaitFailedLoadDropped() {
        await().atMost(WAIT).until(() -> cache.size() == 0);
    }

    @Test
    void lookupThatStartsAfterALoadFailedReadsTheStoreAgain() {
        KeyRecord record = createKey();
        store.failNextRead(new IllegalStateException("Redis unreachable"));
        store.hold();
        // a retry that starts as soon as the first lookup has failed
        Mono<KeyLookup> lookupWithRetry =
                cache.lookup(record.id()).onErrorResume(error -> cache.lookup(record.id()));

        StepVerifier.create(lookupWithRetry)
                .then(store::release)
                .expectNext(new KeyLookup.Found(record))
                .verifyComplete();
        assertThat(store.reads.get()).isEqualTo(2);
    }

    @Test
    void storeErrorWhileUntrustedIsAnErrorSignal() {
        trusted.set(false);
        redis.command("HSET", redisKey(UNKNOWN_ID), "owner", "acct-1");

        StepVerifier.create(cache.lookup(UNKNOWN_ID))
                .expectError(IllegalStateException.class)
                .verify(WAIT);
    }

    @Test
    void storeSlowerThanTheCommandTimeoutIsAnErrorSignalAndNothingIsCached() {
        cache = newCache(Duration.ofMillis(200));
        KeyRecord record = createKey();
        store.hold();

        StepVerifier.create(cache.lookup(record.id()))
                .expectError(TimeoutException.class)
                .verify(WAIT);
        awaitFailedLoadDropped();
        store.release();

        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));
        assertThat(store.reads.get()).isEqualTo(2);
    }

    @Test
    void unknownIdSlowerThanTheCommandTimeoutIsNotCachedNegatively() {
        cache = newCache(Duration.ofMillis(200));
        store.hold();

        StepVerifier.create(cache.lookup(UNKNOWN_ID))
                .expectError(TimeoutException.class)
                .verify(WAIT);
        awaitFailedLoadDropped();
        store.release();

        assertThat(lookupNow(UNKNOWN_ID)).isEqualTo(KeyLookup.UNKNOWN);
        assertThat(store.reads.get()).isEqualTo(2);
    }

    @Test
    void cachedRecordExpiresWithinTheLastTenthOfMaxAge() {
        KeyRecord record = createKey();
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));
        KeyRecord disabled = disable(record.id()); // a change nobody was told about
        long age = new KeyCache.SpreadMaxAge(MAX_AGE).ageNanos(record.id());
        assertThat(age)
                .isGreaterThan(MAX_AGE.toNanos() * 9 / 10)
                .isLessThanOrEqualTo(MAX_AGE.toNanos());

        ticker.advance(Duration.ofNanos(age - 1));
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(record));
        assertThat(store.reads.get()).isEqualTo(1);

        ticker.advance(Duration.ofNanos(1));
        assertThat(cache.lookupCached(record.id())).isNull();
        assertThat(lookupNow(record.id())).isEqualTo(new KeyLookup.Found(disabled));
        assertThat(store.reads.get()).isEqualTo(2);
    }

    @Test
    void recordsLoadedTogetherExpireSpreadOverTheLastTenthOfMaxAgeNotAllAtOnce() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String id = createKey().id();
            ids.add(id);
            lookupNow(id);
        }

        ticker.advance(MAX_AGE.multipliedBy(9).dividedBy(10));
        assertThat(ids).allSatisfy(id -> assertThat(cache.lookupCached(id)).isNotNull());

        ticker.advance(MAX_AGE.dividedBy(20)); // 0.95 max-age: some gone, not all
        long left = ids.stream().filter(id -> cache.lookupCached(id) != null).count();
        assertThat(left).isBetween(1L, 49L);

        ticker.advance(MAX_AGE.dividedBy(20)); // max-age: all gone
        assertThat(ids).allSatisfy(id -> assertThat(cache.lookupCached(id)).isNull());
        assertThat(store.reads.get()).isEqualTo(50);
    }

    @Test
    void flushCountsAndEmptiesTheCache() {
        KeyRecord record = createKey();
        lookupNow(record.id());
        assertThat(cache.size()).isEqualTo(1);

        cache.invalidateAll();

        assertThat(cache.size()).isZero();
        assertThat(cache.flushCount()).isEqualTo(1);
    }

    /**
     * The real store, counting reads, and able to hold each read's answer until {@link #release()}
     * (the Redis read itself is done at once, so a held load already carries Redis's answer).
     */
    static final class ControlledStore implements KeyStore {
        private final KeyStore delegate;

        /** Reads started. */
        final AtomicInteger reads = new AtomicInteger();

        /** Reads Redis has answered (the answer may be held). */
        final AtomicInteger answered = new AtomicInteger();

        private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

        private final AtomicReference<RuntimeException> nextFailure = new AtomicReference<>();

        ControlledStore(KeyStore delegate) {
            this.delegate = delegate;
        }

        /**
         * Makes the next read fail with {@code failure} (after Redis answered, and after the gate).
         */
        void failNextRead(RuntimeException failure) {
            nextFailure.set(failure);
        }

        /** Holds the answers of the reads that start from now on. */
        void hold() {
            gate = new CompletableFuture<>();
        }

        /** Lets held answers through, and no longer holds new ones. */
        void release() {
            CompletableFuture<Void> held = gate;
            gate = CompletableFuture.completedFuture(null);
            held.complete(null);
        }

        @Override
        public Mono<KeyRecord> findById(String id) {
            return Mono.defer(
                    () -> {
                        reads.incrementAndGet();
                        CompletableFuture<Void> held = gate;
                        RuntimeException failure = nextFailure.getAndSet(null);
                        return delegate.findById(id)
                                .map(Optional::of)
                                .defaultIfEmpty(Optional.empty())
                                .doOnNext(answer -> answered.incrementAndGet())
                                .delayUntil(answer -> Mono.fromFuture(held, true))
                                .flatMap(
                                        answer ->
                                                failure != null
                                                        ? Mono.<KeyRecord>error(failure)
                                                        : answer.map(Mono::just)
                                                                .orElseGet(Mono::empty));
                    });
        }

        @Override
        public Mono<IssuedKey> create(NewKey key) {
            return delegate.create(key);
        }

        @Override
        public Mono<IssuedKey> rotate(String id, Duration gracePeriod) {
            return delegate.rotate(id, gracePeriod);
        }

        @Override
        public Mono<KeyChange> update(String id, KeyUpdate update) {
            return delegate.update(id, update);
        }

        @Override
        public Mono<KeyChange> remove(String id) {
            return delegate.remove(id);
        }

        @Override
        public Mono<KeyPage> listByOwner(String owner, String cursor, int limit) {
            return delegate.listByOwner(owner, cursor, limit);
        }

        @Override
        public Mono<Long> currentEpoch() {
            return delegate.currentEpoch();
        }
    }
}
