package dev.keygate.gateway.cache;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.keygate.core.store.EpochReading;
import dev.keygate.core.store.Invalidation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
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
 *       Higher: messages were missed or are still in flight. The caller reads the missed changes
 *       from the store's change log and hands them to {@link #catchUp(List, long, long)}: if every
 *       epoch up to the polled one is there, only those ids are dropped. If not (the writer has not
 *       logged its change yet, or the log was trimmed), the caller tries once more after the
 *       message grace and then calls {@link #recheck(long, long)}, which flushes if the messages
 *       still have not arrived.
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
    private final Counter caughtUp;
    private final Counter incarnations;
    private final AppliedEpochListener listener;

    private long lastEpoch = -1;
    private volatile long appliedEpoch = -1; // lastEpoch, for readers that must not take the lock
    private String incarnation; // null until the first poll that read one
    private long lastMessageAtNanos = NEVER;
    private volatile long confirmedAtNanos = NEVER;
    private volatile long confirmedEpoch = -1;
    private volatile boolean subscribed;

    public InvalidationTracker(
            CacheInvalidator cache, Ticker ticker, Duration maxStaleness, MeterRegistry registry) {
        this(cache, ticker, maxStaleness, registry, AppliedEpochListener.NONE);
    }

    /**
     * @param listener told each time the applied epoch ({@link #lastEpoch()}) moves, after the
     *     cache has dropped what the changes up to it touched
     */
    public InvalidationTracker(
            CacheInvalidator cache,
            Ticker ticker,
            Duration maxStaleness,
            MeterRegistry registry,
            AppliedEpochListener listener) {
        this.cache = cache;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.ticker = ticker;
        this.maxStalenessNanos = maxStaleness.toNanos();
        this.received =
                counter(
                        registry,
                        "keygate.invalidations.received",
                        "Invalidation messages received");
        this.gaps =
                counter(
                        registry,
                        "keygate.invalidations.gaps",
                        "Epoch gaps detected (lost or reordered messages)");
        this.malformed =
                counter(
                        registry,
                        "keygate.invalidations.malformed",
                        "Unreadable invalidation messages (each flushes the cache)");
        this.caughtUp =
                counter(
                        registry,
                        "keygate.invalidations.caught.up",
                        "Missed changes read back from the change log instead of flushing");
        this.incarnations =
                counter(
                        registry,
                        "keygate.invalidations.store.replaced",
                        "Polls that found another store incarnation than before (Redis"
                                + " wiped or replaced): the cache was flushed");
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
            applied(epoch);
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
     * @return {@code true} when the epoch is ahead of the messages seen: the caller must then catch
     *     up ({@link #catchUp(List, long, long)}, from {@link #lastEpoch()}) or, failing that,
     *     {@link #recheck(long, long)} after the message grace
     */
    public synchronized boolean onPolledEpoch(long epoch, long sentAtNanos) {
        return onPolled(epoch, sentAtNanos);
    }

    /**
     * {@link #onPolledEpoch(long, long)}, with the store's incarnation read in the same poll. When
     * it differs from the one read before, the store is another one (wiped, replaced, rebuilt):
     * epochs say nothing across stores, even when they only go up, so everything is flushed and the
     * new store's epoch taken as it is.
     */
    public synchronized boolean onPolledEpoch(EpochReading reading, long sentAtNanos) {
        String known = incarnation;
        incarnation = reading.incarnation();
        // a store without a marker that gets one has just seen its first change (a new store, or
        // one written before markers existed): the same store, the epochs still apply
        boolean firstMarker = EpochReading.NO_INCARNATION.equals(known);
        if (known != null
                && !firstMarker
                && !known.equals(reading.incarnation())
                && lastEpoch >= 0) {
            incarnations.increment();
            cache.invalidateAll();
            applied(reading.epoch());
            confirm(reading.epoch(), sentAtNanos);
            return false;
        }
        return onPolled(reading.epoch(), sentAtNanos);
    }

    private boolean onPolled(long epoch, long sentAtNanos) {
        if (lastEpoch < 0) {
            // first contact: nothing can be cached from before, but flush to be certain
            cache.invalidateAll();
            applied(epoch);
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
            applied(epoch);
            confirm(epoch, sentAtNanos);
            return false;
        }
        return true;
    }

    /**
     * {@link #lastEpoch()} without taking the lock, for threads that must not wait for it (the node
     * registry's reports, on a Redis I/O thread).
     */
    public long appliedEpoch() {
        return appliedEpoch;
    }

    /** The highest epoch seen so far (by message, poll or catch-up), or -1 before the first. */
    public synchronized long lastEpoch() {
        return lastEpoch;
    }

    /**
     * The changes a caller read from the store's change log after a poll (sent at {@code
     * sentAtNanos}) read {@code epoch}, ahead of the messages seen. If they hold every epoch above
     * the last one seen up to {@code epoch}, their ids are dropped (a flush-all entry flushes), the
     * epoch is confirmed as of the poll, and nothing else is flushed.
     *
     * @return {@code false} when some epoch is missing: nothing was changed, the caller must wait
     *     the message grace and try again or {@link #recheck(long, long)}
     */
    public synchronized boolean catchUp(List<Invalidation> changes, long epoch, long sentAtNanos) {
        long from = lastEpoch;
        if (from < epoch) {
            Set<Long> present = new HashSet<>();
            for (Invalidation change : changes) {
                present.add(change.epoch());
            }
            for (long missing = from + 1; missing <= epoch; missing++) {
                if (!present.contains(missing)) {
                    return false;
                }
            }
        }
        boolean missed = false;
        for (Invalidation change : changes) {
            if (change.epoch() > from && change.epoch() <= epoch) {
                missed = true;
                if (change.isFlushAll()) {
                    cache.invalidateAll();
                } else {
                    cache.invalidate(change.id());
                }
            }
        }
        if (missed) {
            caughtUp.increment();
        }
        if (epoch > lastEpoch) {
            applied(epoch);
        }
        confirm(epoch, sentAtNanos);
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
            applied(epoch);
        }
        confirm(epoch, sentAtNanos);
    }

    /**
     * Every change up to {@code epoch} has been dropped from the cache: the epoch is applied (the
     * only place {@code lastEpoch} changes, so the listener hears of every move).
     */
    private void applied(long epoch) {
        if (epoch != lastEpoch) {
            lastEpoch = epoch;
            appliedEpoch = epoch;
            listener.applied(epoch);
        }
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
        return confirmed != NEVER
                && ticker.read() - confirmed < maxStalenessNanos
                // and not while the node registry says no (this gateway not registered yet)
                && listener.mayTrustCache();
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

    private static Counter counter(MeterRegistry registry, String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }
}
