package dev.keygate.gateway.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.store.KeyStore;
import dev.keygate.gateway.support.BoundedCaches;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * Key records by id: Caffeine in front of the {@link KeyStore}.
 *
 * <ul>
 *   <li>Known keys live in a bounded {@link AsyncCache} with a maximum age, spread over its last
 *       tenth per id ({@link SpreadMaxAge}); concurrent misses on one id share one Redis read (no
 *       stampede). The spread is checked on read against each entry's own deadline, with Caffeine's
 *       fixed {@code expireAfterWrite} as the bound: a variable {@code Expiry} would send every
 *       read through Caffeine's read buffer and its timer wheel, about a microsecond per cache hit
 *       in the running gateway.
 *   <li>Unknown ids live in a separately bounded space with a short TTL, so a flood of made-up ids
 *       costs one Redis read per id per TTL and cannot evict real keys.
 *   <li>{@link #invalidate(String)} drops both the record and a negative entry, including a load in
 *       flight: a load that started before an invalidation never puts its (old) result in the
 *       cache. Caffeine removes the in-flight future from the map and does not re-insert it when it
 *       completes; for negative entries a generation counter does the same.
 *   <li>When the {@link StalenessGuard} says the cache cannot be trusted (the epoch has not been
 *       confirmed for {@code max-staleness}), lookups bypass it and read Redis directly.
 * </ul>
 *
 * <p>Failure policy: a store error or a read slower than the command timeout is passed on as an
 * error signal, which the filter answers with 503. Nothing is cached on failure. Thread-safe;
 * {@link #lookup(String)} never blocks and may be called from event loops.
 */
public final class KeyCache implements CacheInvalidator {

    private final KeyStore store;
    private final AsyncCache<String, Cached> known;
    private final Cache<String, Boolean> unknown;
    private final StalenessGuard staleness;
    private final SpreadMaxAge ages;
    private final Ticker ticker;
    private final Duration commandTimeout;
    private final AtomicLong generation = new AtomicLong();
    private final Timer loadFound;
    private final Timer loadMissing;
    private final Timer loadFailed;
    private final Counter flushes;
    private final Counter reloadsFailed;

    public KeyCache(
            KeyStore store,
            StalenessGuard staleness,
            long maximumSize,
            Duration maxAge,
            long negativeMaximumSize,
            Duration negativeTtl,
            Duration commandTimeout,
            Ticker ticker,
            MeterRegistry registry) {
        this.store = store;
        this.staleness = staleness;
        this.ages = new SpreadMaxAge(maxAge);
        this.ticker = ticker;
        this.commandTimeout = commandTimeout;
        this.known = BoundedCaches.builder(maximumSize, maxAge, ticker).recordStats().buildAsync();
        this.unknown =
                BoundedCaches.builder(negativeMaximumSize, negativeTtl, ticker)
                        .recordStats()
                        .build();
        CaffeineCacheMetrics.monitor(registry, known, "keygate.keys");
        CaffeineCacheMetrics.monitor(registry, unknown, "keygate.unknown-keys");
        this.loadFound = loadTimer(registry, "found");
        this.loadMissing = loadTimer(registry, "missing");
        this.loadFailed = loadTimer(registry, "error");
        this.reloadsFailed =
                Counter.builder("keygate.cache.reloads.failed")
                        .description(
                                "Reads after an invalidation that failed (the id is then read on"
                                        + " its next request)")
                        .register(registry);
        this.flushes =
                Counter.builder("keygate.cache.flushes")
                        .description(
                                "Whole-cache flushes (epoch gaps, resubscriptions, lost messages)")
                        .register(registry);
    }

    private static Timer loadTimer(MeterRegistry registry, String result) {
        return Timer.builder("keygate.store.load")
                .description("Reads of one key record from the key store")
                .tag("result", result)
                .register(registry);
    }

    /**
     * The record for {@code id}, or {@link KeyLookup#UNKNOWN}; an error when the store fails. Lazy:
     * nothing happens until subscription, so a retry of the returned {@code Mono} looks up again.
     */
    public Mono<KeyLookup> lookup(String id) {
        return Mono.deferContextual(context -> lookupNow(id, context));
    }

    private Mono<KeyLookup> lookupNow(String id, ContextView context) {
        if (!staleness.isTrusted()) {
            return load(id, generation.get());
        }
        KeyLookup cached = answerFromCache(id);
        return cached != null ? Mono.just(cached) : sharedLoad(id, context);
    }

    /**
     * What the cache can answer for {@code id} right now, without reading the store and without any
     * reactive plumbing: a cached record, or {@link KeyLookup#UNKNOWN} from the negative space.
     * {@code null} when only {@link #lookup(String)} can answer: the cache is not trusted, the id
     * is not cached, or its load is still in flight. The filter's fast path for cache hits.
     */
    public KeyLookup lookupCached(String id) {
        return staleness.isTrusted() ? answerFromCache(id) : null;
    }

    private KeyLookup answerFromCache(String id) {
        if (unknown.getIfPresent(id) != null) {
            return KeyLookup.UNKNOWN;
        }
        CompletableFuture<Cached> cached = known.getIfPresent(id);
        if (cached != null && cached.isDone()) {
            if (cached.isCompletedExceptionally()) {
                // Caffeine drops a failed load in a completion callback that may not have run yet:
                // drop it now so this lookup reads the store again instead of sharing the failure.
                known.asMap().remove(id, cached);
            } else {
                Cached entry = cached.join();
                if (entry != null) {
                    if (ticker.read() - entry.staleAtNanos() < 0) {
                        return new KeyLookup.Found(entry.record());
                    }
                    // past its (spread) max-age: drop it so that this lookup loads it again
                    known.asMap().remove(id, cached);
                }
            }
        }
        return null;
    }

    /**
     * The rest of a trusted lookup once neither the negative space nor the record cache answered:
     * join the load in flight for {@code id}, or start one. Package-private so that a test can run
     * it at the moment a concurrent load has just found the id unknown.
     *
     * <p>A lookup that found no negative entry may get here only after a concurrent load for the
     * same id has finished: that load put the id in {@code unknown} and Caffeine then dropped its
     * empty future, so there is nothing left to join. Checking {@code unknown} again before reading
     * the store closes that window; it must happen after this lookup's own future is in the cache
     * (before, the window stays open). Neither the check nor the load runs inside Caffeine's
     * compute: the mapping function only hands Caffeine an incomplete future, and the lookup that
     * created it then re-checks {@code unknown} and starts the load ({@link #fill}) on its own
     * thread with no cache lock held. (Subscribing to the store inside the mapping function, as
     * this class once did, runs the Redis dispatch, and when Redis answers at once the whole load,
     * while Caffeine holds the lock of the key's hash bin.)
     */
    Mono<KeyLookup> sharedLoad(String id) {
        return sharedLoad(id, Context.empty());
    }

    /**
     * {@link #sharedLoad(String)} with the Reactor context of the lookup that may start the load:
     * the store read runs in it, so that the request's observation (and its trace) is the parent of
     * the Redis command's span, though the read is subscribed here rather than in the request's
     * chain.
     */
    private Mono<KeyLookup> sharedLoad(String id, ContextView context) {
        long generationAtStart = generation.get();
        CompletableFuture<Cached> created = new CompletableFuture<>();
        CompletableFuture<Cached> future = known.get(id, (key, executor) -> created);
        if (future == created) {
            fill(id, generationAtStart, created, context);
        }
        return Mono.fromFuture(future, true)
                .<KeyLookup>map(entry -> new KeyLookup.Found(entry.record()))
                .defaultIfEmpty(KeyLookup.UNKNOWN);
    }

    /**
     * Completes {@code promise}, the future this lookup has just put in {@code known}: empty when
     * the id is (by now) known to be unknown, else with the store's answer. Always completes it,
     * whatever happens: an incomplete future left in the cache would hang every lookup of the id.
     */
    private void fill(
            String id,
            long generationAtStart,
            CompletableFuture<Cached> promise,
            ContextView context) {
        try {
            if (unknown.asMap().containsKey(id)) {
                promise.complete(null);
                return;
            }
            load(id, generationAtStart)
                    .contextWrite(current -> current.putAll(context))
                    .subscribe(
                            lookup ->
                                    promise.complete(
                                            lookup instanceof KeyLookup.Found found
                                                    ? new Cached(
                                                            found.record(),
                                                            ticker.read() + ages.ageNanos(id))
                                                    : null),
                            promise::completeExceptionally,
                            () -> promise.complete(null));
        } catch (RuntimeException ex) {
            promise.completeExceptionally(ex);
        }
    }

    private Mono<KeyLookup> load(String id, long generationAtStart) {
        return Mono.defer(
                () -> {
                    long start = System.nanoTime();
                    return store.findById(id)
                            .timeout(commandTimeout)
                            .<KeyLookup>map(KeyLookup.Found::new)
                            .switchIfEmpty(
                                    Mono.fromSupplier(
                                            () -> {
                                                rememberUnknown(id, generationAtStart);
                                                return KeyLookup.UNKNOWN;
                                            }))
                            .doOnSuccess(
                                    lookup ->
                                            (lookup instanceof KeyLookup.Found
                                                            ? loadFound
                                                            : loadMissing)
                                                    .record(
                                                            Duration.ofNanos(
                                                                    System.nanoTime() - start)))
                            .doOnError(
                                    error ->
                                            loadFailed.record(
                                                    Duration.ofNanos(System.nanoTime() - start)));
                });
    }

    private void rememberUnknown(String id, long generationAtStart) {
        if (!staleness.isTrusted()) {
            return;
        }
        unknown.put(id, Boolean.TRUE);
        // An invalidation (say, the key was just created) may have raced with this read: undo.
        if (generation.get() != generationAtStart) {
            unknown.invalidate(id);
        }
    }

    /**
     * Drops what is cached about {@code id} and, when this gateway had it cached (a record, a load
     * in flight or a negative entry: a key in use here), reads it again at once, in the background.
     * A removed key is then refused from memory by the time its next request arrives, instead of
     * that request waiting for a Redis read, and a rotated or re-enabled one is served from memory
     * again; the reads happen anyway, on the id's next request, and ids nobody asked this gateway
     * about are not read. Not when the cache is untrusted (lookups read Redis then). Never blocks:
     * the read is dispatched, not awaited.
     */
    @Override
    public void invalidate(String id) {
        generation.incrementAndGet();
        boolean inUse = known.asMap().remove(id) != null;
        inUse |= unknown.asMap().remove(id) != null;
        if (inUse && staleness.isTrusted()) {
            sharedLoad(id).subscribe(lookup -> {}, error -> reloadsFailed.increment());
        }
    }

    @Override
    public void invalidateAll() {
        generation.incrementAndGet();
        known.synchronous().invalidateAll();
        unknown.invalidateAll();
        flushes.increment();
    }

    /** Number of known keys cached (approximate). */
    public long size() {
        return known.synchronous().estimatedSize();
    }

    /** Hit ratio of the known-key cache since start. */
    public double hitRatio() {
        return known.synchronous().stats().hitRate();
    }

    /** Flushes since start. */
    public long flushCount() {
        return (long) flushes.count();
    }

    /**
     * A cached record and the {@link Ticker} reading at which it stops being served: its load's
     * completion plus {@link SpreadMaxAge#ageNanos(String)}.
     */
    private record Cached(KeyRecord record, long staleAtNanos) {}

    /**
     * How long a record stays cached: {@code max-age} minus up to a tenth of it, the same for an id
     * every time (a hash of the id picks it). Records loaded together (a gateway's first minute,
     * the reload after a flush) would otherwise all expire in the same instant, {@code max-age}
     * later, and every request would read Redis at once, a read-through burst that repeats every
     * {@code max-age}. Spread this way, 10,000 keys loaded at once are reloaded over the last tenth
     * of their age (30 s with the default 5 minutes).
     */
    static final class SpreadMaxAge {
        private final long maxAgeNanos;
        private final long spreadNanos;

        SpreadMaxAge(Duration maxAge) {
            this.maxAgeNanos = maxAge.toNanos();
            this.spreadNanos = Math.max(1, maxAgeNanos / 10);
        }

        /** The age for {@code id}: in ({@code 0.9 * max-age}, {@code max-age}]. */
        long ageNanos(String id) {
            double fraction = Integer.toUnsignedLong(id.hashCode() * 0x9E3779B9) / 0x1p32; // [0, 1)
            return maxAgeNanos - (long) (fraction * spreadNanos);
        }
    }

    /** Performs pending maintenance now (for tests that control time). */
    void cleanUp() {
        known.synchronous().cleanUp();
        unknown.cleanUp();
    }
}
