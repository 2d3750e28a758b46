package dev.keygate.gateway.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.limit.LimitCheck;
import dev.keygate.core.limit.LimitVerdict;
import dev.keygate.core.limit.RedisLimitCounters;
import dev.keygate.gateway.authentication.Refusal;
import dev.keygate.gateway.authentication.RouteRequirements;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code local-then-sync} {@link UsageLimiter}, for operators who prefer speed to exactness
 * (Unkey's async mode and Kong's {@code sync_rate} are the models). The first request of a set of
 * limits is checked in Redis, as in the exact mode; after that this gateway decides from its own
 * estimate of what remains, with no round trip, and reconciles with Redis at most every {@code
 * sync-interval}: one script call that counts the requests it let through since (even past a limit:
 * they were served) and brings back what remains across all gateways. A counter is reconciled when,
 * an interval after the last time, it is exhausted here or this gateway has spent a tenth of what
 * remained then; and at least every {@value #MAX_DEFER_SECONDS} s while it has uncounted requests.
 * So a key far from its limits costs Redis about one call per {@value #MAX_DEFER_SECONDS} s per
 * gateway, and one near a limit one per interval: exactness is given up only where there is
 * headroom. A sweeper reconciles counters once traffic stops, and a counter evicted from the
 * bounded table is reconciled on its way out.
 *
 * <p>What it costs in exactness: between two reconciliations every gateway spends what it last saw
 * as remaining, so with <i>G</i> gateways the limit can be overrun by up to about <i>G</i>-1 times
 * what remained at the last reconciliation, during one interval (docs/benchmarks.md measures it);
 * Redis's counters stay true, so the overrun is paid back by refusals afterwards. A gateway that
 * loses Redis keeps deciding from its estimate, and its uncounted requests are counted at the next
 * reconciliation that succeeds.
 *
 * <p>Thread-safe: each counter set's state is changed under its own lock, for a few field updates
 * (never around I/O); never blocks on I/O.
 */
public final class LocalThenSyncLimiter implements UsageLimiter, AutoCloseable {

    /** The longest a counter in use goes without reconciliation. */
    static final long MAX_DEFER_SECONDS = 10;

    private static final long MAX_DEFER_NANOS = MAX_DEFER_SECONDS * 1_000_000_000L;

    private final RedisLimitCounters counters;
    private final LimitPolicies policies;
    private final LimitFailurePolicy failures;
    private final ExactUsageLimiter exact;
    private final Duration timeout;
    private final long intervalNanos;
    private final LongSupplier timeShiftMicros;
    private final LongSupplier nanoTime;
    private final Cache<String, Local> locals;
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
        this.timeShiftMicros = timeShiftMicros;
        this.nanoTime = nanoTime;
        this.exact = new ExactUsageLimiter(counters, policies, failures, timeout, timeShiftMicros);
        this.locals =
                Caffeine.newBuilder()
                        .maximumSize(maximumCounters)
                        .expireAfterAccess(Duration.ofMinutes(10))
                        .<String, Local>removalListener(
                                (key, local, cause) -> {
                                    if (local != null && cause != RemovalCause.REPLACED) {
                                        sync(local);
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
        String name = name(checks);
        Local local = locals.getIfPresent(name);
        if (local == null || !local.checks.equals(checks)) {
            // first sight (or the limits changed): decided in Redis, and the state kept
            return counters.check(checks, 1, false, timeShiftMicros.getAsLong())
                    .timeout(timeout)
                    .map(
                            verdict -> {
                                locals.put(name, new Local(checks, verdict, nanoTime.getAsLong()));
                                return failures.counted(policies.outcome(verdict));
                            })
                    .onErrorResume(error -> Mono.just(failures.unavailable(checks, error)));
        }
        LimitOutcome outcome = local.take();
        if (local.due(nanoTime.getAsLong())) {
            sync(local);
        }
        return Mono.just(failures.counted(outcome));
    }

    private static String name(List<LimitCheck> checks) {
        if (checks.size() == 1) {
            return checks.get(0).counter();
        }
        StringBuilder name = new StringBuilder();
        for (LimitCheck check : checks) {
            name.append(check.counter()).append('\n');
        }
        return name.toString();
    }

    /** Reconciles every counter with uncounted requests whose last reconciliation is old. */
    private void sweep() {
        long now = nanoTime.getAsLong();
        for (Local local : locals.asMap().values()) {
            if (local.hasPending() && local.due(now)) {
                sync(local);
            }
        }
    }

    /** Counts what this gateway let through since the last reconciliation; one at a time. */
    private void sync(Local local) {
        long cost = local.startSync();
        if (cost < 0) {
            return;
        }
        counters.check(local.checks, cost, true, timeShiftMicros.getAsLong())
                .timeout(timeout)
                .subscribe(
                        verdict -> local.synced(verdict, nanoTime.getAsLong()),
                        error -> local.failed(cost));
    }

    @Override
    public void close() {
        sweeper.dispose();
        // what was let through and not counted yet is counted before the gateway goes
        locals.asMap().values().forEach(this::sync);
    }

    @Override
    public String toString() {
        return "LocalThenSyncLimiter[syncInterval=" + Duration.ofNanos(intervalNanos) + "]";
    }

    /** One set of limits as this gateway sees it between reconciliations. */
    private final class Local {

        final List<LimitCheck> checks;
        private final long[] remaining;
        private final long[] reset;
        private long pending;
        private boolean syncing;
        private long headroom;
        volatile long syncedAt;

        Local(List<LimitCheck> checks, LimitVerdict verdict, long now) {
            this.checks = checks;
            this.remaining = verdict.remaining().clone();
            this.reset = verdict.resetSeconds().clone();
            this.headroom = least(remaining);
            this.syncedAt = now;
        }

        private static long least(long[] values) {
            long least = Long.MAX_VALUE;
            for (long value : values) {
                least = Math.min(least, value);
            }
            return least;
        }

        /**
         * Whether to reconcile now: an interval has passed and the counter is exhausted here or a
         * tenth of the headroom it had is spent; or it was last reconciled too long ago.
         */
        synchronized boolean due(long now) {
            long age = now - syncedAt;
            if (syncing || age < intervalNanos) {
                return false;
            }
            return age >= MAX_DEFER_NANOS || least(remaining) <= 0 || pending * 10 >= headroom;
        }

        /** Decides one request from the estimate. */
        synchronized LimitOutcome take() {
            List<String> violated = null;
            boolean quota = false;
            for (int i = 0; i < checks.size(); i++) {
                if (remaining[i] <= 0) {
                    if (violated == null) {
                        violated = new ArrayList<>(2);
                    }
                    violated.add(checks.get(i).policy());
                    quota |= checks.get(i).isQuota();
                }
            }
            if (violated != null) {
                long wait = 1;
                for (int i = 0; i < checks.size(); i++) {
                    if (remaining[i] <= 0) {
                        wait = Math.max(wait, checks.get(i).isQuota() ? reset[i] : 1);
                    }
                }
                Refusal refusal =
                        Refusal.overLimit(
                                quota ? Refusal.Reason.QUOTA_EXCEEDED : Refusal.Reason.RATE_LIMITED,
                                Duration.ofSeconds(wait),
                                violated);
                LimitOutcome allowedShape = policies.outcome(checks, remaining, reset, null);
                return new LimitOutcome(refusal, allowedShape.policy(), allowedShape.state());
            }
            for (int i = 0; i < checks.size(); i++) {
                remaining[i]--;
            }
            pending++;
            return policies.outcome(checks, remaining, reset, null);
        }

        synchronized boolean hasPending() {
            return pending > 0;
        }

        /** The requests to count, or -1 when a reconciliation is already under way. */
        synchronized long startSync() {
            if (syncing) {
                return -1;
            }
            syncing = true;
            long cost = pending;
            pending = 0;
            return cost;
        }

        synchronized void synced(LimitVerdict verdict, long now) {
            for (int i = 0; i < checks.size(); i++) {
                // Redis's view, less what this gateway let through while the call was out
                remaining[i] = verdict.remaining()[i] - pending;
                reset[i] = verdict.resetSeconds()[i];
            }
            headroom = least(verdict.remaining());
            syncing = false;
            syncedAt = now;
        }

        synchronized void failed(long cost) {
            pending += cost;
            syncing = false;
        }
    }
}
