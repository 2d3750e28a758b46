package dev.keygate.gateway.usage;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.key.SecretHash;
import dev.keygate.core.usage.KeyUsage;
import dev.keygate.core.usage.RedisUsageStore;
import dev.keygate.core.usage.SecretFingerprint;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@link UsageRecorder} that coalesces usage in memory per key and writes it to Redis ({@link
 * RedisUsageStore}) at most every flush interval: no Redis write per request.
 *
 * <p><b>Request path</b> (any thread, usually an event loop; never blocks, no allocation once a key
 * is in the bucket): one clock read (seconds resolution), one {@link ConcurrentHashMap#get}, an
 * atomic increment of the count, and a volatile write per timestamp only when its second changed.
 * Requests go into the {@code current} bucket of one UTC day; each holds an in-flight counter so
 * the flusher can swap the bucket and wait until no request still writes into the old one: the
 * counts flushed are exact. A request on a new UTC day swaps the bucket too; the old day's bucket
 * waits for the next flush.
 *
 * <p><b>Bounded memory</b>: at most {@code maximumKeys} keys per bucket (a few secret and scope
 * entries each); a request of a key that would exceed it is not recorded and counted in {@value
 * #DROPPED_METRIC} (no tag: usage is never a metric tag). What failed to be written is kept for the
 * next flush, also at most {@code maximumKeys} keys; beyond that the oldest is dropped and counted.
 *
 * <p><b>Flush</b>: on one scheduler thread of this recorder's own, never an event loop; one script
 * per owner (in chunks), at most 4 owners at a time, waited for (on that thread) for at most the
 * write timeout. <b>Failure policy</b>: usage is best effort and never affects a request; a failed
 * write is kept and retried at the next interval, logged at most once a minute. A write that
 * succeeded but whose reply was lost (or came after the timeout) is retried and counted twice; a
 * gateway that dies loses what it had not flushed: up to one flush interval of its usage. On a
 * graceful stop ({@link SmartLifecycle#stop()}, after the web server stopped taking requests and
 * before the Redis connection closes) one last flush runs, waited for at most the write timeout.
 *
 * <p>Thread-safe.
 */
public final class CoalescingUsageRecorder implements UsageRecorder, SmartLifecycle {

    /** The counter of requests whose usage was not recorded (memory bound, failed writes). */
    public static final String DROPPED_METRIC = "keygate.usage.dropped";

    /**
     * How long one owner's write may take (one script per 500 keys takes milliseconds); also bounds
     * the final flush on stop.
     */
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(5);

    /** Stops after the web server's graceful shutdown, before Lettuce's connection factory (0). */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    /** Different scope sets (routes) and secrets remembered per key and bucket. */
    static final int MAX_SCOPE_SETS = 32;

    static final int MAX_SECRETS = 4;

    private static final long SECONDS_PER_DAY = 86_400;
    private static final long LOG_EVERY_MILLIS = 60_000;
    private static final Logger log = LoggerFactory.getLogger(CoalescingUsageRecorder.class);

    private final RedisUsageStore store;
    private final Clock clock;
    private final Duration flushInterval;
    private final Duration writeTimeout;
    private final int maximumKeys;
    private final Counter dropped;
    private final AtomicReference<Bucket> current;
    private final ConcurrentLinkedQueue<Bucket> sealed = new ConcurrentLinkedQueue<>();

    /** Batches that failed, oldest first; only the flusher touches it (under its lock). */
    private final Deque<Batch> retries = new ArrayDeque<>();

    private final Object flushLock = new Object();
    private volatile ScheduledExecutorService scheduler;
    private volatile long lastLogged = Long.MIN_VALUE;

    /** A recorder whose writes may take {@link #DEFAULT_WRITE_TIMEOUT} each. */
    public CoalescingUsageRecorder(
            RedisUsageStore store,
            Clock clock,
            Duration flushInterval,
            int maximumKeys,
            MeterRegistry registry) {
        this(store, clock, flushInterval, DEFAULT_WRITE_TIMEOUT, maximumKeys, registry);
    }

    /**
     * @param writeTimeout how long one owner's write may take before it counts as failed (and is
     *     kept for the next flush); the write is cancelled, so Lettuce drops it if it was still
     *     queued
     */
    public CoalescingUsageRecorder(
            RedisUsageStore store,
            Clock clock,
            Duration flushInterval,
            Duration writeTimeout,
            int maximumKeys,
            MeterRegistry registry) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.flushInterval = Objects.requireNonNull(flushInterval, "flushInterval");
        if (flushInterval.isNegative() || flushInterval.isZero()) {
            throw new IllegalArgumentException("flush interval must be positive: " + flushInterval);
        }
        if (maximumKeys < 1) {
            throw new IllegalArgumentException("maximum keys must be positive: " + maximumKeys);
        }
        this.writeTimeout = Objects.requireNonNull(writeTimeout, "writeTimeout");
        this.maximumKeys = maximumKeys;
        this.dropped =
                Counter.builder(DROPPED_METRIC)
                        .description("Requests whose usage was not recorded")
                        .register(registry);
        this.current = new AtomicReference<>(new Bucket(today()));
    }

    @Override
    public void record(KeyRecord record, boolean previousSecret, Set<String> requiredScopes) {
        long second = clock.millis() / 1000;
        long day = Math.floorDiv(second, SECONDS_PER_DAY);
        while (true) {
            Bucket bucket = current.get();
            if (day > bucket.day) {
                // a new UTC day: the old day's bucket waits for the next flush
                if (current.compareAndSet(bucket, new Bucket(day))) {
                    sealed.add(bucket);
                }
                continue;
            }
            bucket.inFlight.incrementAndGet();
            try {
                if (bucket != current.get()) {
                    continue; // swapped meanwhile: count in the new one
                }
                Entry entry = bucket.entries.get(record.id());
                if (entry == null) {
                    if (bucket.size.get() >= maximumKeys) {
                        dropped.increment();
                        return;
                    }
                    entry =
                            bucket.entries.computeIfAbsent(
                                    record.id(), id -> bucket.newEntry(record));
                }
                entry.add(
                        previousSecret ? record.previousSecretHash() : record.secretHash(),
                        requiredScopes,
                        second);
                return;
            } finally {
                bucket.inFlight.decrementAndGet();
            }
        }
    }

    /**
     * Swaps the current bucket, writes it with every earlier one not yet written, and waits (on the
     * calling thread, which must not be an event loop) for at most the write timeout. Called by the
     * scheduler; tests call it to flush at once.
     */
    public void flush() {
        synchronized (flushLock) {
            Bucket old = current.getAndSet(new Bucket(Math.max(today(), current.get().day)));
            sealed.add(old);
            List<Batch> batches = new ArrayList<>(retries);
            retries.clear();
            for (Bucket bucket; (bucket = sealed.poll()) != null; ) {
                bucket.awaitQuiet();
                batches.addAll(bucket.batches(store));
            }
            if (batches.isEmpty()) {
                return;
            }
            List<Batch> failed = new ArrayList<>();
            try {
                Flux.fromIterable(batches)
                        .flatMap(
                                batch ->
                                        store.flush(batch.chunk())
                                                .timeout(writeTimeout)
                                                .onErrorResume(
                                                        error -> {
                                                            synchronized (failed) {
                                                                failed.add(batch);
                                                            }
                                                            logRateLimited(error);
                                                            return Mono.empty();
                                                        }),
                                4)
                        .then()
                        .toFuture()
                        // each write has its timeout: this bound is only a safety net
                        .get(
                                writeTimeout.toMillis() * (batches.size() / 4 + 2),
                                TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                // interrupted, or the safety net: retry all (some may be counted twice)
                logRateLimited(e);
                synchronized (failed) {
                    failed.clear();
                    failed.addAll(batches);
                }
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
            keepForRetry(failed);
        }
    }

    private void keepForRetry(List<Batch> failed) {
        synchronized (failed) {
            retries.addAll(failed);
        }
        int keys = retries.stream().mapToInt(Batch::size).sum();
        while (keys > maximumKeys && !retries.isEmpty()) {
            Batch oldest = retries.removeFirst();
            keys -= oldest.size();
            dropped.increment(oldest.chunk().requests());
        }
    }

    /** Keys kept for the next flush after failed writes (tests). */
    int keysToRetry() {
        synchronized (flushLock) {
            return retries.stream().mapToInt(Batch::size).sum();
        }
    }

    private void logRateLimited(Throwable error) {
        long now = System.currentTimeMillis();
        if (now - lastLogged >= LOG_EVERY_MILLIS) {
            lastLogged = now;
            log.warn("Could not write key usage to Redis, will retry: {}", error.toString());
        }
    }

    private long today() {
        return Math.floorDiv(clock.millis() / 1000, SECONDS_PER_DAY);
    }

    @Override
    public void start() {
        ScheduledExecutorService executor =
                Executors.newSingleThreadScheduledExecutor(
                        task -> {
                            Thread thread = new Thread(task, "keygate-usage-flush");
                            thread.setDaemon(true);
                            return thread;
                        });
        long millis = flushInterval.toMillis();
        executor.scheduleWithFixedDelay(this::flushQuietly, millis, millis, TimeUnit.MILLISECONDS);
        scheduler = executor;
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            logRateLimited(e); // a bug; the scheduler must keep running
        }
    }

    /** One last flush on the scheduler thread, waited for at most the write timeout. */
    @Override
    public void stop() {
        ScheduledExecutorService executor = scheduler;
        if (executor == null) {
            return;
        }
        scheduler = null;
        executor.execute(this::flushQuietly);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(writeTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    @Override
    public String toString() {
        return "CoalescingUsageRecorder[flushInterval="
                + flushInterval
                + ", maximumKeys="
                + maximumKeys
                + "]";
    }

    /** What was seen on one UTC day since the last swap. */
    private static final class Bucket {
        final long day;
        final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
        final AtomicLong inFlight = new AtomicLong();
        final AtomicInteger size = new AtomicInteger();

        Bucket(long day) {
            this.day = day;
        }

        Entry newEntry(KeyRecord record) {
            size.incrementAndGet();
            return new Entry(record.owner());
        }

        /** Waits until no request writes into this (swapped-out) bucket: nanoseconds. */
        void awaitQuiet() {
            while (inFlight.get() != 0) {
                Thread.onSpinWait();
            }
        }

        /** The bucket's usage as the store's chunks: a few scripts, not one per owner. */
        List<Batch> batches(RedisUsageStore store) {
            LocalDate date = LocalDate.ofEpochDay(day);
            Map<String, List<KeyUsage>> byOwner = new LinkedHashMap<>();
            entries.forEach(
                    (id, entry) ->
                            byOwner.computeIfAbsent(entry.owner, owner -> new ArrayList<>())
                                    .add(entry.toUsage(id)));
            return store.chunks(date, byOwner).stream().map(Batch::new).toList();
        }
    }

    /** One chunk of usage (one script), ready to write or to retry. */
    private record Batch(RedisUsageStore.Chunk chunk) {
        int size() {
            return chunk.keys().size();
        }
    }

    /** One key in one bucket. Times in epoch seconds. */
    private static final class Entry {
        final String owner;
        final AtomicLong requests = new AtomicLong();
        volatile long last;
        volatile SecretUse[] secrets = new SecretUse[0];
        volatile ScopeUse[] scopes = new ScopeUse[0];

        Entry(String owner) {
            this.owner = owner;
        }

        void add(SecretHash secret, Set<String> required, long second) {
            requests.incrementAndGet();
            if (second > last) {
                last = second;
            }
            if (secret != null) {
                SecretUse use = secret(secret);
                if (use != null && second > use.last) {
                    use.last = second;
                }
            }
            if (required != null && !required.isEmpty()) {
                ScopeUse use = scopes(required);
                if (use != null && second > use.last) {
                    use.last = second;
                }
            }
        }

        private SecretUse secret(SecretHash hash) {
            for (SecretUse use : secrets) {
                // the same record (identity), or the same secret in a record read again
                if (use.hash == hash || use.hash.equals(hash)) {
                    return use;
                }
            }
            synchronized (this) {
                for (SecretUse use : secrets) {
                    if (use.hash.equals(hash)) {
                        return use;
                    }
                }
                if (secrets.length >= MAX_SECRETS) {
                    return null;
                }
                SecretUse use = new SecretUse(hash);
                SecretUse[] more = Arrays.copyOf(secrets, secrets.length + 1);
                more[secrets.length] = use;
                secrets = more;
                return use;
            }
        }

        private ScopeUse scopes(Set<String> required) {
            for (ScopeUse use : scopes) {
                if (use.scopes == required) {
                    return use;
                }
            }
            synchronized (this) {
                for (ScopeUse use : scopes) {
                    if (use.scopes.equals(required)) {
                        return use;
                    }
                }
                if (scopes.length >= MAX_SCOPE_SETS) {
                    return null;
                }
                ScopeUse use =
                        new ScopeUse(
                                required); // the route's own immutable set: found by identity next
                // time
                ScopeUse[] more = Arrays.copyOf(scopes, scopes.length + 1);
                more[scopes.length] = use;
                scopes = more;
                return use;
            }
        }

        KeyUsage toUsage(String id) {
            Map<String, Long> bySecret = new HashMap<>();
            for (SecretUse use : secrets) {
                bySecret.merge(SecretFingerprint.of(use.hash), use.last * 1000, Math::max);
            }
            Map<String, Long> byScope = new HashMap<>();
            for (ScopeUse use : scopes) {
                for (String scope : use.scopes) {
                    byScope.merge(scope, use.last * 1000, Math::max);
                }
            }
            return new KeyUsage(id, requests.get(), last * 1000, bySecret, byScope);
        }
    }

    private static final class SecretUse {
        final SecretHash hash;
        volatile long last;

        SecretUse(SecretHash hash) {
            this.hash = hash;
        }
    }

    private static final class ScopeUse {
        final Set<String> scopes;
        volatile long last;

        ScopeUse(Set<String> scopes) {
            this.scopes = scopes;
        }
    }
}
