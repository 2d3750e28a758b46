package dev.keygate.gateway.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.limit.LimitCheck;
import dev.keygate.core.limit.LimitVerdict;
import dev.keygate.core.limit.RedisLimitCounters;
import dev.keygate.gateway.authentication.RouteRequirements;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code local-then-sync} {@link UsageLimiter}, for operators who prefer speed to exactness
 * (Unkey's async mode and Kong's {@code sync_rate} are the models).
 *
 * <p>This gateway keeps an estimate of each counter it uses (a key's rate, an owner's quota...),
 * one per counter, shared by every request that touches it: all of an owner's keys spend the one
 * estimate of the owner's limits. A request whose counters are all known is decided from the
 * estimates, with no round trip; a request with a counter not seen yet, with a changed limit, or
 * refused by an estimate not reconciled for an interval with nothing left to count, is decided in
 * Redis as in the exact mode, and that answer refreshes the estimates. Each counter is reconciled
 * on its own: the limit script counts the requests this gateway let through since (even past a
 * limit: they were served) and brings back what remains across all gateways. That happens when,
 * {@code sync-interval} after the last time, the counter is exhausted here or a tenth of the
 * headroom it had is spent, and at least every {@value #MAX_DEFER_SECONDS} s while it has uncounted
 * requests: a key far from its limits costs Redis about one call per {@value #MAX_DEFER_SECONDS} s
 * per gateway, one near a limit one per interval. A sweeper reconciles counters once traffic stops;
 * a counter evicted or replaced is reconciled on its way out; {@link #close()} reconciles what is
 * left.
 *
 * <p>What it costs in exactness: between two reconciliations each gateway spends what it last saw
 * as remaining, so <i>G</i> gateways can overrun a limit by up to <i>G</i>-1 times what remained at
 * the last reconciliation (docs/benchmarks.md measures it); Redis's counters stay true, so the
 * overrun is paid back by refusals afterwards. A reconciliation that times out is not retried (its
 * requests may have been counted: better one batch uncounted than counted twice); one refused at
 * once (Redis unreachable) is counted at the next that succeeds, the gateway deciding from its
 * estimates meanwhile.
 *
 * <p>Thread-safe: a request takes its counters' locks in name order for a few field updates, never
 * around I/O; never blocks on I/O.
 */
public final class LocalThenSyncLimiter implements UsageLimiter, AutoCloseable {

    /** The longest a counter in use goes without reconciliation. */
    static final long MAX_DEFER_SECONDS = 10;

    private static final long MAX_DEFER_NANOS = MAX_DEFER_SECONDS * 1_000_000_000L;

    /** Reconciliations are off the request path: they may wait longer than a request would. */
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(LocalThenSyncLimiter.class);

    private static final Comparator<Counter> BY_NAME =
            Comparator.comparing(counter -> counter.check.counter());

    private final RedisLimitCounters counters;
    private final LimitPolicies policies;
    private final LimitFailurePolicy failures;
    private final Duration timeout;
    private final long intervalNanos;
    private final LongSupplier timeShiftMicros;
    private final LongSupplier nanoTime;
    private final Cache<String, Counter> table;
    private final Disposable sweeper;

    LocalThenSyncLimiter(
            RedisLimitCounters counters,
            LimitPolicies policies,
            LimitFailurePolicy failures,
            Duration timeout,
            Duration syncInterval,
            long maximumCounters,
            LongSupplier timeShiftMicros,
            LongSupplier nanoTime) {
        this.counters = Objects.requireNonNull(counters, "counters");
        this.policies = Objects.requireNonNull(policies, "policies");
        this.failures = Objects.requireNonNull(failures, "failures");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.intervalNanos = syncInterval.toNanos();
        this.timeShiftMicros = Objects.requireNonNull(timeShiftMicros, "timeShiftMicros");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.table =
                Caffeine.newBuilder()
                        .maximumSize(maximumCounters)
                        .expireAfterAccess(Duration.ofMinutes(10))
                        // evicted, expired or replaced: what it let through is still counted
                        .<String, Counter>removalListener(
                                (name, counter, cause) -> {
                                    if (counter != null) {
                                        sync(counter);
                                    }
                                })
                        .build();
        this.sweeper =
                Flux.interval(syncInterval, Schedulers.parallel())
                        .onBackpressureDrop()
                        .subscribe(tick -> sweep());
    }

    @Override
    public Mono<LimitOutcome> limit(KeyRecord record, RouteRequirements route, String routeId) {
        List<LimitCheck> checks = policies.checks(record, route, routeId);
        if (checks.isEmpty()) {
            return LimitOutcome.UNLIMITED_MONO;
        }
        int n = checks.size();
        Counter[] local = new Counter[n];
        for (int i = 0; i < n; i++) {
            LimitCheck check = checks.get(i);
            Counter counter = table.getIfPresent(check.counter());
            if (counter == null || !counter.check.equals(check)) {
                return inRedis(checks);
            }
            local[i] = counter;
        }
        long now = nanoTime.getAsLong();
        LimitOutcome outcome = take(checks, local, now);
        if (outcome == null) {
            return inRedis(checks);
        }
        for (Counter counter : local) {
            if (counter.due(now)) {
                sync(counter);
            }
        }
        return Mono.just(failures.counted(outcome));
    }

    /** Decided by the script, as in the exact mode; the answer refreshes the estimates. */
    private Mono<LimitOutcome> inRedis(List<LimitCheck> checks) {
        return counters.check(checks, 1, false, timeShiftMicros.getAsLong())
                .timeout(timeout)
                .map(
                        verdict -> {
                            long now = nanoTime.getAsLong();
                            for (int i = 0; i < checks.size(); i++) {
                                install(checks.get(i), verdict, i, now);
                            }
                            return failures.counted(policies.outcome(verdict));
                        })
                .onErrorResume(error -> failures.unavailable(checks, error));
    }

    private void install(LimitCheck check, LimitVerdict verdict, int i, long now) {
        long remaining = verdict.remaining()[i];
        long reset = verdict.resetSeconds()[i];
        table.asMap()
                .compute(
                        check.counter(),
                        (name, counter) -> {
                            if (counter != null && counter.check.equals(check)) {
                                counter.refresh(remaining, reset, now);
                                return counter;
                            }
                            // a new one, or the limit changed: the old one is reconciled as it goes
                            return new Counter(check, remaining, reset, now);
                        });
    }

    /**
     * Decides one request from the estimates, under the counters' locks taken in name order:
     * allowed (each counter spends one), refused, or {@code null} when an estimate that refuses was
     * not reconciled for an interval and has nothing uncounted (Redis is asked instead: the bucket
     * may have refilled, the day turned).
     */
    private LimitOutcome take(List<LimitCheck> checks, Counter[] local, long now) {
        Counter[] ordered = local.clone();
        if (ordered.length > 1) {
            Arrays.sort(ordered, BY_NAME);
        }
        for (Counter counter : ordered) {
            counter.lock.lock();
        }
        try {
            int n = local.length;
            boolean[] violated = null;
            long wait = 1;
            for (int i = 0; i < n; i++) {
                Counter counter = local[i];
                if (counter.remaining <= 0) {
                    // Redis is asked only once it counts everything this gateway let through:
                    // else it would allow requests this gateway already spent (one more per
                    // interval and gateway past the bound). With requests uncounted, this one is
                    // refused and the counter is reconciled (it is due), which brings back a
                    // refill as well.
                    if (now - counter.syncedAt >= intervalNanos
                            && !counter.syncing
                            && counter.pending == 0) {
                        return null;
                    }
                    if (violated == null) {
                        violated = new boolean[n];
                    }
                    violated[i] = true;
                    LimitCheck check = checks.get(i);
                    wait = Math.max(wait, check.isQuota() ? counter.reset : perRequest(check));
                }
            }
            long[] remaining = new long[n];
            long[] reset = new long[n];
            for (int i = 0; i < n; i++) {
                Counter counter = local[i];
                if (violated == null) {
                    counter.remaining--;
                    counter.pending++;
                }
                remaining[i] = counter.remaining;
                reset[i] = counter.reset;
            }
            return policies.outcome(checks, remaining, reset, violated, Duration.ofSeconds(wait));
        } finally {
            for (Counter counter : ordered) {
                counter.lock.unlock();
            }
        }
    }

    /** Seconds until a rate limit gives one more request, rounded up. */
    private static long perRequest(LimitCheck check) {
        long perSeconds = check.rateLimit().per().toSeconds();
        long requests = check.rateLimit().requests();
        return Math.max(1, (perSeconds + requests - 1) / requests);
    }

    /** Reconciles every counter with uncounted requests that is due. */
    private void sweep() {
        try {
            long now = nanoTime.getAsLong();
            for (Counter counter : table.asMap().values()) {
                if (counter.due(now)) {
                    sync(counter);
                }
            }
        } catch (RuntimeException ex) {
            // the sweeper must keep running
            log.warn("Reconciling usage counters failed", ex);
        }
    }

    /** Counts what this gateway let through since the last reconciliation; one at a time. */
    private void sync(Counter counter) {
        syncing(counter).subscribe();
    }

    private Mono<Void> syncing(Counter counter) {
        long cost = counter.startSync();
        if (cost < 0) {
            return Mono.empty();
        }
        return counters.check(List.of(counter.check), cost, true, timeShiftMicros.getAsLong())
                .timeout(SYNC_TIMEOUT)
                .doOnNext(
                        verdict -> {
                            counter.synced(
                                    verdict.remaining()[0],
                                    verdict.resetSeconds()[0],
                                    nanoTime.getAsLong());
                            if (table.asMap().get(counter.check.counter()) != counter
                                    && counter.hasPending()) {
                                // evicted while the call was out: what came since is counted too
                                sync(counter);
                            }
                        })
                .doOnError(error -> counter.failed(error instanceof TimeoutException ? 0 : cost))
                // empty (never, by contract) or cancelled: free the counter for the next try
                .doFinally(signal -> counter.endSync())
                .onErrorResume(error -> Mono.empty())
                .then();
    }

    /**
     * Stops the sweeper and counts what was let through and not counted yet, waiting up to two
     * seconds (Spring calls this on shutdown, off any event loop).
     */
    @Override
    public void close() {
        sweeper.dispose();
        Flux.fromIterable(List.copyOf(table.asMap().values()))
                .flatMap(this::syncing)
                .then()
                .block(Duration.ofSeconds(2));
    }

    @Override
    public String toString() {
        return "LocalThenSyncLimiter[syncInterval=" + Duration.ofNanos(intervalNanos) + "]";
    }

    /** One counter as this gateway sees it between reconciliations. Guarded by {@link #lock}. */
    private final class Counter {

        final LimitCheck check;
        final ReentrantLock lock = new ReentrantLock();
        long remaining;
        long reset;
        long pending;
        boolean syncing;
        long headroom;
        volatile long syncedAt;

        Counter(LimitCheck check, long remaining, long reset, long now) {
            this.check = check;
            this.remaining = remaining;
            this.reset = reset;
            this.headroom = remaining;
            this.syncedAt = now;
        }

        /** Redis's answer to a request decided there: its view, less what is not counted yet. */
        void refresh(long remaining, long reset, long now) {
            lock.lock();
            try {
                this.remaining = remaining - pending;
                this.reset = reset;
                this.headroom = remaining;
                if (!syncing) {
                    syncedAt = now;
                }
            } finally {
                lock.unlock();
            }
        }

        /**
         * Whether to reconcile: it has uncounted requests, an interval has passed, and it is
         * exhausted here or a tenth of its headroom is spent, or it waited too long.
         */
        boolean due(long now) {
            lock.lock();
            try {
                long age = now - syncedAt;
                if (syncing || pending == 0 || age < intervalNanos) {
                    return false;
                }
                return age >= MAX_DEFER_NANOS || remaining <= 0 || pending * 10 >= headroom;
            } finally {
                lock.unlock();
            }
        }

        boolean hasPending() {
            lock.lock();
            try {
                return pending > 0;
            } finally {
                lock.unlock();
            }
        }

        /** The requests to count, or -1 when there are none or a reconciliation is under way. */
        long startSync() {
            lock.lock();
            try {
                if (syncing || pending == 0) {
                    return -1;
                }
                syncing = true;
                long cost = pending;
                pending = 0;
                return cost;
            } finally {
                lock.unlock();
            }
        }

        void synced(long remaining, long reset, long now) {
            lock.lock();
            try {
                // Redis's view, less what this gateway let through while the call was out
                this.remaining = remaining - pending;
                this.reset = reset;
                this.headroom = remaining;
                syncing = false;
                syncedAt = now;
            } finally {
                lock.unlock();
            }
        }

        /** A reconciliation that failed: {@code uncounted} requests go back to be counted later. */
        void failed(long uncounted) {
            lock.lock();
            try {
                pending += uncounted;
                syncing = false;
            } finally {
                lock.unlock();
            }
        }

        void endSync() {
            lock.lock();
            try {
                syncing = false;
            } finally {
                lock.unlock();
            }
        }
    }
}
