package dev.keygate.gateway.cache;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.keygate.core.store.KeyStore;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Feeds the {@link InvalidationTracker}: one dedicated Lettuce pub/sub connection per gateway,
 * subscribed to the invalidation channel, and a poll of the epoch every {@code pollInterval}.
 *
 * <p>Messages are handled on the Redis I/O thread as they arrive, with no queue in between, so the
 * message buffer is bounded by the socket. Lettuce re-subscribes by itself after a reconnect; each
 * (re)subscription flushes the cache (see the tracker). The pub/sub connection is opened in {@link
 * #start()} on a worker thread, retried with backoff while Redis is unreachable, never in a
 * constructor; until the first poll succeeds the cache is not trusted and every request reads
 * Redis.
 *
 * <p>Failure policy: a failed poll is only logged; it leaves the epoch unconfirmed, so after {@code
 * max-staleness} the cache stops being trusted. Thread-safe.
 */
public final class RedisInvalidationSubscriber implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RedisInvalidationSubscriber.class);

    private final Supplier<AbstractRedisClient> client;
    private final String channel;
    private final KeyStore store;
    private final InvalidationTracker tracker;
    private final Ticker ticker;
    private final Duration pollInterval;
    private final Duration messageGrace;
    private final Duration commandTimeout;
    private final Disposable.Composite running = Disposables.composite();
    private final ConnectionListener connectionListener = new ConnectionListener();
    private volatile StatefulRedisPubSubConnection<String, String> connection;
    private volatile boolean started;

    public RedisInvalidationSubscriber(
            Supplier<AbstractRedisClient> client,
            String channel,
            KeyStore store,
            InvalidationTracker tracker,
            Ticker ticker,
            Duration pollInterval,
            Duration messageGrace,
            Duration commandTimeout) {
        this.client = client;
        this.channel = channel;
        this.store = store;
        this.tracker = tracker;
        this.ticker = ticker;
        this.pollInterval = pollInterval;
        this.messageGrace = messageGrace;
        this.commandTimeout = commandTimeout;
    }

    /**
     * Starts the subscription and the poll. Called on the thread that refreshes the application
     * context, before the web server accepts requests: it first reads the epoch once, waiting at
     * most a few command timeouts, so that the shared Redis connection is opened here (opening it
     * can block, for instance while Lettuce fetches a Cluster topology) rather than on an event
     * loop by the first request. If Redis does not answer, start-up goes on; the cache is simply
     * not trusted until a poll succeeds.
     */
    @Override
    public void start() {
        if (started) {
            return;
        }
        started = true;
        warmUp();
        running.add(
                Mono.fromCallable(this::connect)
                        .subscribeOn(Schedulers.boundedElastic())
                        .retryWhen(
                                Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100))
                                        .maxBackoff(Duration.ofSeconds(2))
                                        .doBeforeRetry(
                                                signal ->
                                                        log.warn(
                                                                "Cannot subscribe to {} yet ({}); retrying",
                                                                channel,
                                                                signal.failure().toString())))
                        .subscribe());
        running.add(
                Flux.interval(Duration.ZERO, pollInterval, Schedulers.boundedElastic())
                        .onBackpressureDrop()
                        .concatMap(tick -> poll(), 1)
                        .subscribe());
    }

    private void warmUp() {
        try {
            store.currentEpoch()
                    .timeout(commandTimeout.multipliedBy(4))
                    .toFuture()
                    .get(commandTimeout.multipliedBy(8).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException ex) {
            log.warn(
                    "Redis did not answer at start-up ({}); requests get 503 until it does",
                    ex.toString());
        }
    }

    private StatefulRedisPubSubConnection<String, String> connect() {
        AbstractRedisClient redis = client.get();
        StatefulRedisPubSubConnection<String, String> pubSub;
        if (redis instanceof RedisClusterClient cluster) {
            pubSub = cluster.connectPubSub(StringCodec.UTF8);
        } else if (redis instanceof RedisClient standalone) {
            pubSub = standalone.connectPubSub(StringCodec.UTF8);
        } else {
            throw new IllegalStateException("unsupported Redis client " + redis);
        }
        redis.addListener(connectionListener);
        pubSub.addListener(
                new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String from, String message) {
                        if (channel.equals(from)) {
                            tracker.onMessage(message);
                        }
                    }

                    @Override
                    public void subscribed(String to, long count) {
                        if (channel.equals(to)) {
                            log.info("Subscribed to {}: cache flushed", channel);
                            tracker.onSubscribed();
                            // never from the I/O thread: the first command on a connection may
                            // block while Lettuce fetches a cluster topology
                            poll().subscribeOn(Schedulers.boundedElastic()).subscribe();
                        }
                    }
                });
        this.connection = pubSub;
        if (!started) {
            pubSub.closeAsync();
            return pubSub;
        }
        pubSub.async().subscribe(channel);
        return pubSub;
    }

    /**
     * Reads the epoch once, bounded by the command timeout; never errors. When it is ahead of the
     * messages seen, reads the missed changes from the change log; if the log does not hold them
     * all yet, tries again after the message grace, and then lets the tracker flush if the messages
     * have still not arrived.
     */
    Mono<Void> poll() {
        return Mono.defer(
                () -> {
                    long sentAt = ticker.read();
                    return store.readEpoch()
                            .timeout(commandTimeout)
                            .flatMap(
                                    reading -> {
                                        long epoch = reading.epoch();
                                        if (!tracker.onPolledEpoch(reading, sentAt)) {
                                            return Mono.<Void>empty();
                                        }
                                        Mono<Boolean> catchUp = catchUp(epoch, sentAt);
                                        return catchUp.flatMap(
                                                done ->
                                                        done
                                                                ? Mono.<Void>empty()
                                                                : Mono.delay(messageGrace)
                                                                        .then(catchUp)
                                                                        .doOnNext(
                                                                                again -> {
                                                                                    if (!again) {
                                                                                        tracker
                                                                                                .recheck(
                                                                                                        epoch,
                                                                                                        sentAt);
                                                                                    }
                                                                                })
                                                                        .then());
                                    })
                            .onErrorResume(
                                    error -> {
                                        log.debug("Epoch poll failed: {}", error.toString());
                                        return Mono.empty();
                                    })
                            .then();
                });
    }

    /** Reads the changes missed up to {@code epoch} and hands them to the tracker. */
    private Mono<Boolean> catchUp(long epoch, long sentAt) {
        return Mono.defer(
                () ->
                        store.changesBetween(tracker.lastEpoch(), epoch)
                                .timeout(commandTimeout)
                                .map(changes -> tracker.catchUp(changes, epoch, sentAt))
                                .onErrorResume(
                                        error -> {
                                            // unreadable or unreachable log: as if incomplete
                                            log.debug(
                                                    "Change log unreadable: {}", error.toString());
                                            return Mono.just(false);
                                        }));
    }

    @Override
    public void stop() {
        started = false;
        running.dispose();
        StatefulRedisPubSubConnection<String, String> current = connection;
        if (current != null) {
            try {
                client.get().removeListener(connectionListener);
            } catch (RuntimeException ignored) {
                // the client may already be shut down
            }
            current.closeAsync();
        }
        tracker.onDisconnected();
    }

    @Override
    public boolean isRunning() {
        return started;
    }

    /** After the Redis connection factory (phase 0) has started, before the web server. */
    @Override
    public int getPhase() {
        return 100;
    }

    private final class ConnectionListener implements RedisConnectionStateListener {
        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> disconnected) {
            if (disconnected == connection) {
                log.warn("Lost the subscription to {}; Lettuce reconnects", channel);
                tracker.onDisconnected();
            }
        }

        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> connected, SocketAddress address) {
            // re-subscription is reported through subscribed(); nothing to do here
        }
    }
}
