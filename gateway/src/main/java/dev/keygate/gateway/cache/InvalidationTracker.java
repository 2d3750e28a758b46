package dev.keygate.gateway.cache;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.keygate.core.store.Invalidation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The subscriber side of the invalidation protocol (see {@code docs/architecture.md}): decides,
 * from messages, polled epochs and (re)subscriptions, what to drop from the {@link KeyCache} and
 * whether the cache can be trusted.
 *
 * <ul>
 *   <li>Message {@code "<e> <id>"}: drop {@code id}; if {@code e} is not the next epoch, messages
 *       were lost, so flush everything.
 *   <li>(Re)subscription: flush everything, since messages sent while unsubscribed are gone.
 *   <li>Polled epoch equal to the last one seen: nothing was missed; the epoch is confirmed as of
 *       when the poll was sent. Lower: Redis lost its data, so flush; unless the poll was sent
 *       before the message that moved the epoch on arrived (a late reply, not a regression).
 *       Higher: a message may still be in flight, so {@link #recheck(long, long)} is due after the
 *       message grace; if the message has not arrived by then, flush.
 * </ul>
 *
 * The cache is trusted while the epoch was confirmed less than {@code maxStaleness} ago.
 *
 * <p>Thread-safe: messages arrive on a Redis I/O thread, polls on a Reactor thread, and {@link
 * #isTrusted()} is called on every request (one volatile read). Callbacks into the cache are made
 * while holding this object's lock and must not call back into it.
 */
public final class InvalidationTracker implements StalenessGuard {

    private static final long NEVER = Long.MIN_VALUE;

    private final CacheInvalidator cache;
    private final Ticker ticker;
    private final long maxStalenessNanos;
    private final Counter received;
    private final Counter gaps;
    private final Counter malformed;

    private long lastEpoch = -1;
    private long lastMessageAtNanos = NEVER;
    private volatile long confirmedAtNanos = NEVER;
    private volatile long confirmedEpoch = -1;
    private volatile boolean subscribed;

    public InvalidationTracker(
            CacheInvalidator cache, Ticker ticker, Duration maxStaleness, MeterRegistry registry) {
        this.cache = cache;
        this.ticker = ticker;
        this.maxStalenessNanos = maxStaleness.toNanos();
        this.received =
                Counter.builder("keygate.invalidations.received")
                        .description("Invalidation messages received")
                        .register(registry);
        this.gaps =
                Counter.builder("keygate.invalidations.gaps")
                        .description("Epoch gaps detected (lost or reordered messages)")
                        .register(registry);
        this.malformed =
                Counter.builder("keygate.invalidations.malformed")
                        .description("Unreadable invalidation messages (each flushes the cache)")
                        .register(registry);
        Gauge.builder("keygate.invalidations.staleness", this, t -> t.stalenessSeconds())
                .description("Seconds since the invalidation epoch was last confirmed")
                .baseUnit("seconds")
                .register(registry);
    }

    /** A message arrived on the invalidation channel. */
    public synchronized void onMessage(String message) {
        received.increment();
        Invalidation invalidation;
        try {
            invalidation = Invalidation.parse(message);
        } catch (IllegalArgumentException ex) {
            malformed.increment();
            cache.invalidateAll();
            return;
        }
        if (invalidation.isFlushAll()) {
            cache.invalidateAll();
        } else {
            cache.invalidate(invalidation.id());
        }
        long epoch = invalidation.epoch();
        if (lastEpoch >= 0 && epoch > lastEpoch + 1) {
            gaps.increment();
            cache.invalidateAll();
        }
        if (epoch > lastEpoch) {
            lastEpoch = epoch;
            lastMessageAtNanos = ticker.read();
        }
    }

    /** The subscription to the channel was (re)established. */
    public synchronized void onSubscribed() {
        subscribed = true;
        cache.invalidateAll();
    }

    /** The subscription connection was lost; it will be re-established and then flushed. */
    public void onDisconnected() {
        subscribed = false;
    }

    /**
     * A poll that was sent at {@code sentAtNanos} (ticker time) read {@code epoch}.
     *
     * @return {@code true} when the caller must call {@link #recheck(long, long)} after the message
     *     grace, because the epoch is ahead of the messages seen
     */
    public synchronized boolean onPolledEpoch(long epoch, long sentAtNanos) {
        if (lastEpoch < 0) {
            // first contact: nothing can be cached from before, but flush to be certain
            cache.invalidateAll();
            lastEpoch = epoch;
            confirm(epoch, sentAtNanos);
            return false;
        }
        if (epoch == lastEpoch) {
            confirm(epoch, sentAtNanos);
            return false;
        }
        if (epoch < lastEpoch
                && lastMessageAtNanos != NEVER
                && sentAtNanos - lastMessageAtNanos < 0) {
            // a late reply: the poll read the epoch before a message that has since moved it on
            // (messages and polls use different connections). Not a regression of Redis.
            confirm(epoch, sentAtNanos);
            return false;
        }
        if (epoch < lastEpoch) {
            // the epoch went back: Redis lost data or was replaced; nothing cached can be trusted
            cache.invalidateAll();
            lastEpoch = epoch;
            confirm(epoch, sentAtNanos);
            return false;
        }
        return true;
    }

    /**
     * The message grace after a poll that read {@code epoch} has passed: if the messages up to it
     * still have not arrived, they were lost, so flush; either way the epoch is confirmed as of the
     * poll.
     */
    public synchronized void recheck(long epoch, long sentAtNanos) {
        if (lastEpoch < epoch) {
            gaps.increment();
            cache.invalidateAll();
            lastEpoch = epoch;
        }
        confirm(epoch, sentAtNanos);
    }

    private void confirm(long epoch, long sentAtNanos) {
        if (confirmedAtNanos == NEVER || sentAtNanos - confirmedAtNanos > 0) {
            confirmedAtNanos = sentAtNanos;
            confirmedEpoch = epoch;
        }
    }

    @Override
    public boolean isTrusted() {
        long confirmed = confirmedAtNanos;
        return confirmed != NEVER && ticker.read() - confirmed < maxStalenessNanos;
    }

    /** Whether the channel subscription is currently established. */
    public boolean isSubscribed() {
        return subscribed;
    }

    /** The last epoch confirmed by a poll, or -1 before the first. */
    public long confirmedEpoch() {
        return confirmedEpoch;
    }

    /** Time since the epoch was last confirmed, or {@code null} if it never was. */
    public Duration sinceConfirmed() {
        long confirmed = confirmedAtNanos;
        return confirmed == NEVER ? null : Duration.ofNanos(ticker.read() - confirmed);
    }

    private double stalenessSeconds() {
        Duration since = sinceConfirmed();
        return since == null ? Double.NaN : since.toNanos() / (double) TimeUnit.SECONDS.toNanos(1);
    }
}
