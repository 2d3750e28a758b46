package dev.keygate.admin.propagation;

import dev.keygate.core.node.GatewayFleet;
import dev.keygate.core.node.GatewayNode;
import dev.keygate.core.node.RedisGatewayRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Propagation receipts: after a change, waits until every live gateway has applied its epoch, or
 * the timeout passes, and says which did.
 *
 * <p>How it waits without polling: gateways publish {@code "<node id> <epoch>"} on the applied
 * channel each time their applied epoch moves (coalesced, see the gateway's {@code
 * GatewayNodeReporter}); this tracker holds one subscription to it for the whole admin API. A
 * receipt registers a waiter, then reads the live nodes with their last reported epochs (one
 * script, {@link RedisGatewayRegistry#read()}); the nodes that are behind are pending, and each
 * message for the epoch or a later one ticks one off. Once none is pending the receipt is made at
 * once. At the timeout the registry is read once more (a message lost by pub/sub, a node whose
 * heartbeat has meanwhile expired), and the receipt names the gateways still behind. So a receipt
 * costs two Redis reads at most, however long it waits.
 *
 * <p>No message is missed and none is taken from another store: a gateway's report script writes
 * its registry entry before it publishes, so whatever was published before the waiter registered is
 * in the read; what is published after goes to the waiter, which keeps the messages it gets before
 * its read has returned and counts them with it. Only messages a waiter received itself count for
 * it: nothing heard before a Redis was wiped or replaced (whose epochs then start again) can
 * confirm a change of the new one.
 *
 * <p>Failure policy: a receipt never fails the change it reports (the change is made and announced
 * before). If the registry cannot be read, the receipt says so ({@link
 * PropagationReceipt#unknown}): it never claims a confirmation it did not see. A lost subscription
 * is re-established with backoff; meanwhile receipts wait their timeout and then read the registry.
 *
 * <p>Thread-safe; never blocks.
 */
public final class PropagationTracker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PropagationTracker.class);

    /** The bound of each registry read. */
    private static final Duration READ_TIMEOUT = Duration.ofMillis(500);

    private final ReactiveRedisConnectionFactory connectionFactory;
    private final RedisGatewayRegistry registry;
    private final String channel;
    private final Duration timeout;
    private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
    private volatile ReactiveRedisMessageListenerContainer container;
    private volatile Disposable subscription;
    private volatile boolean running;

    public PropagationTracker(
            ReactiveRedisConnectionFactory connectionFactory,
            RedisGatewayRegistry registry,
            String channel,
            Duration timeout) {
        this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * The receipt of the change of {@code epoch}: waits (unless {@code wait} is false) until every
     * live gateway has applied it or the timeout passes. Never errors.
     *
     * @param epoch the change's epoch, or a negative number for "the current epoch" (a replayed
     *     answer, whose original epoch is not known: the current one covers it)
     */
    public Mono<PropagationReceipt> receipt(long epoch, boolean wait) {
        return Mono.defer(
                () -> {
                    long started = System.nanoTime();
                    if (!wait) {
                        return registry.read()
                                .timeout(READ_TIMEOUT)
                                .map(fleet -> receipt(fleet, target(epoch, fleet), started, null))
                                .onErrorResume(error -> unknown(epoch, started, error));
                    }
                    Waiter waiter = new Waiter();
                    waiters.add(waiter);
                    return registry.read()
                            .timeout(READ_TIMEOUT)
                            .flatMap(fleet -> await(waiter, fleet, epoch, started))
                            .onErrorResume(error -> unknown(epoch, started, error))
                            .doFinally(signal -> waiters.remove(waiter));
                });
    }

    /** The live gateways now, for {@code GET /v1/gateways}. */
    public Mono<GatewayFleet> fleet() {
        return registry.read().timeout(READ_TIMEOUT);
    }

    private Mono<PropagationReceipt> await(
            Waiter waiter, GatewayFleet fleet, long epoch, long started) {
        long target = target(epoch, fleet);
        if (!waiter.expect(target, fleet)) {
            return Mono.just(receipt(fleet, target, started, waiter));
        }
        Duration left = timeout.minusNanos(System.nanoTime() - started);
        if (left.isNegative()) {
            left = Duration.ZERO;
        }
        return waiter.done
                .asMono()
                .then(Mono.fromSupplier(() -> receipt(fleet, target, started, waiter)))
                .timeout(
                        left,
                        // not every gateway answered in time: read once more, then name them
                        Mono.defer(
                                () ->
                                        registry.read()
                                                .timeout(READ_TIMEOUT)
                                                .map(
                                                        again ->
                                                                receipt(
                                                                        again, target, started,
                                                                        waiter))));
    }

    private static long target(long epoch, GatewayFleet fleet) {
        return epoch < 0 ? fleet.epoch() : epoch;
    }

    /**
     * The receipt from {@code fleet}: a node has applied {@code epoch} when its registry entry says
     * so, or it told {@code waiter} (null: no waiting) so.
     */
    private static PropagationReceipt receipt(
            GatewayFleet fleet, long epoch, long started, Waiter waiter) {
        List<String> lagging = new ArrayList<>();
        for (GatewayNode node : fleet.nodes()) {
            if (!applied(node, fleet, epoch) && (waiter == null || !waiter.heard(node.id()))) {
                lagging.add(node.id());
            }
        }
        int gateways = fleet.nodes().size();
        return new PropagationReceipt(
                epoch, gateways, gateways - lagging.size(), lagging, millisSince(started));
    }

    /** Which live gateways have applied {@code epoch}, for {@code GET /v1/changes/{epoch}}. */
    public ChangeReceiptView change(GatewayFleet fleet, long epoch, String keyId) {
        List<String> confirmed = new ArrayList<>();
        List<String> lagging = new ArrayList<>();
        for (GatewayNode node : fleet.nodes()) {
            (applied(node, fleet, epoch) ? confirmed : lagging).add(node.id());
        }
        return new ChangeReceiptView(
                epoch,
                fleet.epoch(),
                keyId,
                fleet.nodes().size(),
                confirmed.size(),
                confirmed,
                lagging);
    }

    /**
     * Whether the node's registry entry says it has applied {@code epoch}. An entry above the
     * store's current epoch is not of this store's history (a gateway that has not noticed yet that
     * Redis failed over to a replica that lost changes, or was replaced): it confirms nothing until
     * the gateway's next poll sets it right.
     */
    private static boolean applied(GatewayNode node, GatewayFleet fleet, long epoch) {
        return node.hasApplied(epoch) && node.appliedEpoch() <= fleet.epoch();
    }

    private Mono<PropagationReceipt> unknown(long epoch, long started, Throwable error) {
        log.warn("Cannot read the gateway registry for a receipt: {}", error.toString());
        return Mono.just(PropagationReceipt.unknown(epoch, millisSince(started)));
    }

    private static long millisSince(long started) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    /**
     * A message on the applied channel: {@code "<node id> <epoch>"}. Malformed ones are ignored.
     */
    void onMessage(String message) {
        int space = message.indexOf(' ');
        if (space <= 0) {
            return;
        }
        String node = message.substring(0, space);
        long epoch;
        try {
            epoch = Long.parseLong(message.substring(space + 1));
        } catch (NumberFormatException ex) {
            return;
        }
        for (Waiter waiter : waiters) {
            waiter.applied(node, epoch);
        }
    }

    @Override
    public void start() {
        if (running) {
            return;
        }
        running = true;
        subscription =
                Mono.fromCallable(this::newContainer)
                        .subscribeOn(Schedulers.boundedElastic())
                        .flatMapMany(
                                created -> {
                                    container = created;
                                    return created.receive(ChannelTopic.of(channel));
                                })
                        .doOnError(
                                error ->
                                        log.warn(
                                                "Lost the subscription to {} ({}); receipts wait"
                                                        + " their timeout until it is back",
                                                channel,
                                                error.toString()))
                        .retryWhen(
                                Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100))
                                        .maxBackoff(Duration.ofSeconds(2)))
                        .subscribe(message -> onMessage(message.getMessage()));
    }

    /** A container for this (re)subscription; the one before it, if any, is closed. */
    private ReactiveRedisMessageListenerContainer newContainer() {
        ReactiveRedisMessageListenerContainer previous = container;
        if (previous != null) {
            previous.destroyLater().subscribe(null, error -> {});
        }
        return new ReactiveRedisMessageListenerContainer(connectionFactory);
    }

    @Override
    public void stop() {
        running = false;
        Disposable current = subscription;
        if (current != null) {
            current.dispose();
        }
        ReactiveRedisMessageListenerContainer listening = container;
        if (listening != null) {
            listening.destroyLater().subscribe(null, error -> {});
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * One receipt waiting. Before its registry read has returned it keeps the highest epoch each
     * node announced ({@code early}); then it knows its target and which live nodes are behind
     * ({@code pending}), and each message at or above the target ticks one off ({@code heard}).
     */
    private static final class Waiter {

        private final Sinks.Empty<Void> done = Sinks.empty();
        private final Map<String, Long> early = new HashMap<>(); // guarded by this
        private final Set<String> heard = new HashSet<>(); // guarded by this
        private Set<String> pending; // guarded by this; null until the registry was read
        private long epoch;

        /** The registry was read: {@code false} when no live node is behind {@code target}. */
        synchronized boolean expect(long target, GatewayFleet fleet) {
            epoch = target;
            early.forEach(
                    (node, applied) -> {
                        if (applied >= target) {
                            heard.add(node);
                        }
                    });
            early.clear();
            pending = new HashSet<>();
            for (GatewayNode node : fleet.nodes()) {
                if (!PropagationTracker.applied(node, fleet, target)
                        && !heard.contains(node.id())) {
                    pending.add(node.id());
                }
            }
            return !pending.isEmpty();
        }

        synchronized void applied(String node, long applied) {
            if (pending == null) {
                early.merge(node, applied, Math::max);
                return;
            }
            if (applied >= epoch) {
                heard.add(node);
                if (pending.remove(node) && pending.isEmpty()) {
                    done.tryEmitEmpty();
                }
            }
        }

        synchronized boolean heard(String node) {
            return heard.contains(node);
        }
    }
}
