package dev.keygate.gateway.node;

import dev.keygate.core.node.NodeReport;
import dev.keygate.core.node.RedisGatewayRegistry;
import dev.keygate.gateway.cache.AppliedEpochListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * This gateway as a node of the registry ({@link RedisGatewayRegistry}): a heartbeat every third of
 * the node's ttl, and a report as soon as the applied epoch moves ({@link AppliedEpochListener}),
 * which also publishes {@code "<node id> <epoch>"} for the admin API's propagation receipts.
 *
 * <p>Coalesced: at most one report is in flight; signals that arrive meanwhile (a burst of changes,
 * a heartbeat) make one more report after it, of the state at that moment. So a gateway sends at
 * most one report per round trip however many changes arrive, and the last state always gets out.
 * Off the request path: signals come from the invalidation tracker and a timer; reports go out on a
 * worker thread.
 *
 * <p>Failure policy: a report that fails (Redis down or slow) is logged (at most once a minute) and
 * not retried; the next heartbeat reports the state again, and publishes the applied epoch again if
 * the failed report was the one to publish it. A live node that has not reported a change's epoch
 * is named lagging; a node that is not in the registry is not waited for, so until its first report
 * has succeeded this gateway does not trust its cache ({@link #mayTrustCache()}). Once registered,
 * its own {@code max-staleness} is what stops it from trusting its cache when it loses Redis: keep
 * {@code keygate.gateway.node.ttl} above it (the defaults: 10 s and 5 s), so that a gateway drops
 * out of the registry only after it stopped answering from its cache. Nothing is reported before
 * the tracker has an epoch (a gateway that never read it has nothing cached from before). On stop
 * the node waits for a report in flight, then leaves the registry (bounded waits of the timeout and
 * of one second).
 *
 * <p>Thread-safe.
 */
public final class GatewayNodeReporter implements AppliedEpochListener, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GatewayNodeReporter.class);

    private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** What the node reports besides its identity, read at each report. */
    public record Status(
            long appliedEpoch, Duration sinceConfirmed, long cacheSize, double hitRatio) {}

    private final RedisGatewayRegistry registry;
    private final Supplier<Status> status;
    private final String id;
    private final String host;
    private final String version;
    private final Instant startedAt;
    private final Duration ttl;
    private final Duration timeout;
    private final AtomicInteger wip = new AtomicInteger();
    private long published = -1; // only read and written by the report in flight (wip)
    private volatile long lastFailureLogNanos = System.nanoTime() - LOG_EVERY_NANOS;
    private volatile boolean running;
    private volatile boolean registered;
    private volatile Disposable heartbeats;

    /**
     * @param status read at each report (cheap, thread-safe)
     * @param timeout bound of one report
     */
    public GatewayNodeReporter(
            RedisGatewayRegistry registry,
            Supplier<Status> status,
            String id,
            String host,
            String version,
            Clock clock,
            Duration ttl,
            Duration timeout) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.status = Objects.requireNonNull(status, "status");
        if (!NodeReport.isValidId(id)) {
            throw new IllegalArgumentException(
                    "gateway node id must match "
                            + NodeReport.ID_PATTERN
                            + " but was '"
                            + id
                            + "'");
        }
        this.id = id;
        this.host = host;
        this.version = version;
        this.startedAt = clock.instant();
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** This node's id in the registry. */
    public String id() {
        return id;
    }

    @Override
    public void applied(long epoch) {
        if (running) {
            signal();
        }
    }

    /**
     * No cache until this node is in the registry: before its first report has reached Redis, no
     * receipt waits for this gateway, so it must not answer from its cache (every request reads
     * Redis meanwhile; a gateway whose reports never succeed, a missing ACL selector for instance,
     * keeps reading Redis on every request and logs why).
     */
    @Override
    public boolean mayTrustCache() {
        return registered;
    }

    @Override
    public void start() {
        if (running) {
            return;
        }
        running = true;
        heartbeats =
                Flux.interval(Duration.ZERO, ttl.dividedBy(3), Schedulers.parallel())
                        .onBackpressureDrop()
                        .subscribe(tick -> signal());
    }

    /**
     * Asks for a report of the current state: sends one now if none is in flight, else one more
     * right after the one in flight.
     */
    private void signal() {
        if (wip.getAndIncrement() == 0) {
            report();
        }
    }

    private void report() {
        int observed = wip.get();
        Status now;
        try {
            now = status.get();
        } catch (RuntimeException ex) {
            failed(ex);
            done(observed);
            return;
        }
        if (now.appliedEpoch() < 0 || !running) {
            done(observed);
            return;
        }
        boolean publish = now.appliedEpoch() != published;
        NodeReport report =
                new NodeReport(
                        id,
                        host,
                        version,
                        startedAt,
                        now.appliedEpoch(),
                        now.sinceConfirmed(),
                        now.cacheSize(),
                        now.hitRatio());
        registry.report(report, ttl, publish)
                .timeout(timeout)
                // the signal may come on a Redis I/O thread: never send from it
                .subscribeOn(Schedulers.boundedElastic())
                .subscribe(
                        null,
                        error -> {
                            failed(error);
                            done(observed);
                        },
                        () -> {
                            published = now.appliedEpoch();
                            registered = true;
                            done(observed);
                        });
    }

    private void done(int observed) {
        if (wip.addAndGet(-observed) != 0) {
            report();
        }
    }

    private void failed(Throwable error) {
        long now = System.nanoTime();
        if (now - lastFailureLogNanos >= LOG_EVERY_NANOS) {
            lastFailureLogNanos = now;
            log.warn(
                    "Gateway node {} could not report itself ({}); retried at the next heartbeat",
                    id,
                    error.toString());
        }
    }

    @Override
    public void stop() {
        if (!running) {
            return;
        }
        running = false;
        Disposable current = heartbeats;
        if (current != null) {
            current.dispose();
        }
        // a report still in flight would put the node back after it left: let it finish first
        long deadline = System.nanoTime() + timeout.toNanos();
        while (wip.get() != 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
        try {
            // on the thread that closes the context, never an event loop: leave at once rather
            // than hold up receipts until the heartbeat expires
            registry.leave(id).timeout(timeout).toFuture().get(1, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException ex) {
            log.warn("Gateway node {} could not leave the registry ({})", id, ex.toString());
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** After the invalidation subscriber (100) starts, and stops before it. */
    @Override
    public int getPhase() {
        return 110;
    }

    @Override
    public String toString() {
        return "GatewayNodeReporter[" + id + ", ttl " + ttl + "]";
    }
}
