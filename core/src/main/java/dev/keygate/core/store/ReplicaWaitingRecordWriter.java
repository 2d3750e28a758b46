package dev.keygate.core.store;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A {@link RecordWriter} that makes a change durable across a failover: it runs the record script
 * on a Lettuce connection of its own, then sends {@code WAIT <replicas> <timeout>} on that same
 * connection, which is the only way {@code WAIT} counts that write. On Redis Cluster both go to the
 * master of the record's slot (a {@code WAIT} on any other node would count nothing).
 *
 * <p><b>Connections.</b> A few connections ({@code connections}), opened on first use from the
 * application's Lettuce client (so Sentinel, Cluster, TLS and credentials are exactly those of
 * {@code spring.data.redis.*}), never shared with anything else: Redis blocks a connection that
 * waits, and nothing else may queue behind it. Each write takes the least busy connection; more
 * concurrent writes than connections queue behind a wait.
 *
 * <p><b>Failure policy.</b> A script error is an error signal, as with any writer. Once the script
 * has run, the change is on the master and must be announced whatever the replicas do, so a {@code
 * WAIT} that times out, fails or loses its connection is never an error: it is reported as the
 * number of replicas that confirmed (0 when the wait failed), and the caller decides what a
 * shortfall means. On Cluster a {@code MOVED} reply (the slot changed hands) refreshes the topology
 * and retries once.
 *
 * <p>Thread-safe; never blocks the calling thread (the first connection of a standalone or Sentinel
 * client is opened on {@link Schedulers#boundedElastic()}, as Lettuce offers no asynchronous
 * connect without an explicit URI). {@link #close()} closes the connections.
 */
public final class ReplicaWaitingRecordWriter implements RecordWriter, AutoCloseable {

    /** How much longer than the {@code WAIT} timeout a reply may take before it counts as 0. */
    private static final Duration REPLY_GRACE = Duration.ofSeconds(1);

    private final Supplier<? extends AbstractRedisClient> client;
    private final int replicas;
    private final Duration timeout;
    private final Lane[] lanes;

    /**
     * @param client the application's Lettuce client: a {@link RedisClient} (standalone or
     *     Sentinel) or a {@link RedisClusterClient}
     * @param replicas the replicas to wait for, at least 1
     * @param timeout how long to wait for them, at least 1 ms
     * @param connections how many changes may wait at the same time, at least 1
     */
    public ReplicaWaitingRecordWriter(
            AbstractRedisClient client, int replicas, Duration timeout, int connections) {
        this(
                constant(supported(Objects.requireNonNull(client, "client"))),
                replicas,
                timeout,
                connections);
    }

    /**
     * As {@link #ReplicaWaitingRecordWriter(AbstractRedisClient, int, Duration, int)}, with the
     * client asked for on first use (a connection factory creates its client when it starts).
     */
    public ReplicaWaitingRecordWriter(
            Supplier<? extends AbstractRedisClient> client,
            int replicas,
            Duration timeout,
            int connections) {
        Objects.requireNonNull(client, "client");
        this.client = () -> supported(client.get());
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas must be at least 1: " + replicas);
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("timeout must be at least 1 ms: " + timeout);
        }
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1: " + connections);
        }
        this.replicas = replicas;
        this.timeout = timeout;
        this.lanes = new Lane[connections];
        for (int i = 0; i < connections; i++) {
            lanes[i] = new Lane();
        }
    }

    @Override
    public Mono<Written> write(RedisScript<?> script, String recordKey, List<String> args) {
        return Mono.defer(
                () -> {
                    Lane lane = leastBusy();
                    lane.busy.incrementAndGet();
                    return attempt(lane, script, recordKey, args, true)
                            .doFinally(signal -> lane.busy.decrementAndGet());
                });
    }

    private static Supplier<AbstractRedisClient> constant(AbstractRedisClient client) {
        return () -> client;
    }

    private static <C extends AbstractRedisClient> C supported(C client) {
        if (!(client instanceof RedisClient) && !(client instanceof RedisClusterClient)) {
            throw new IllegalArgumentException(
                    "unsupported Lettuce client: "
                            + (client == null ? "null" : client.getClass().getName()));
        }
        return client;
    }

    private Mono<Written> attempt(
            Lane lane, RedisScript<?> script, String key, List<String> args, boolean mayRetry) {
        return lane.commandsFor(key)
                .flatMap(
                        commands ->
                                run(commands, script, key, args)
                                        .flatMap(
                                                reply ->
                                                        awaitReplicas(commands)
                                                                .map(
                                                                        acknowledged ->
                                                                                new Written(
                                                                                        reply,
                                                                                        new ReplicaAcknowledgement(
                                                                                                replicas,
                                                                                                acknowledged)))))
                .onErrorResume(
                        error -> mayRetry && isMoved(error),
                        error ->
                                Mono.fromCompletionStage(
                                                () ->
                                                        ((RedisClusterClient) client.get())
                                                                .refreshPartitionsAsync())
                                        .then(attempt(lane, script, key, args, false)));
    }

    private static Mono<Object> run(
            RedisReactiveCommands<String, String> commands,
            RedisScript<?> script,
            String key,
            List<String> args) {
        String[] keys = {key};
        String[] values = args.toArray(String[]::new);
        ScriptOutputType type =
                Long.class.equals(script.getResultType())
                        ? ScriptOutputType.INTEGER
                        : ScriptOutputType.MULTI;
        return commands.evalsha(script.getSha1(), type, keys, values)
                .onErrorResume(
                        RedisNoScriptException.class,
                        missing -> commands.eval(script.getScriptAsString(), type, keys, values))
                .collectList()
                .map(replies -> TemplateRecordWriter.reply(script, replies));
    }

    /** The replicas that confirmed; 0 when the wait failed or its reply did not come. */
    private Mono<Integer> awaitReplicas(RedisReactiveCommands<String, String> commands) {
        return commands.waitForReplication(replicas, timeout.toMillis())
                .timeout(timeout.plus(REPLY_GRACE))
                .map(Long::intValue)
                .onErrorReturn(0)
                .defaultIfEmpty(0);
    }

    private static boolean isMoved(Throwable error) {
        return error instanceof RedisCommandExecutionException
                && error.getMessage() != null
                && error.getMessage().startsWith("MOVED");
    }

    private Lane leastBusy() {
        Lane best = lanes[0];
        for (Lane lane : lanes) {
            if (lane.busy.get() < best.busy.get()) {
                best = lane;
            }
        }
        return best;
    }

    public int replicas() {
        return replicas;
    }

    public Duration timeout() {
        return timeout;
    }

    /** Closes the connections opened so far. Writes after this fail. */
    @Override
    public void close() {
        for (Lane lane : lanes) {
            lane.close();
        }
    }

    @Override
    public String toString() {
        return "ReplicaWaitingRecordWriter[replicas="
                + replicas
                + ", timeout="
                + timeout
                + ", connections="
                + lanes.length
                + "]";
    }

    /** One connection, opened on first use; a failed opening is retried by the next write. */
    private final class Lane {

        final AtomicInteger busy = new AtomicInteger();
        private final AtomicReference<StatefulConnection<String, String>> opened =
                new AtomicReference<>();
        private final Mono<StatefulConnection<String, String>> connection =
                open().doOnNext(opened::set)
                        // errors are not cached: the next write tries to connect again
                        .cacheInvalidateIf(connection -> false);

        private Mono<StatefulConnection<String, String>> open() {
            return Mono.defer(
                    () -> {
                        AbstractRedisClient current = client.get();
                        if (current instanceof RedisClusterClient cluster) {
                            return Mono.fromCompletionStage(
                                    () -> cluster.connectAsync(StringCodec.UTF8));
                        }
                        RedisClient standalone = (RedisClient) current;
                        return Mono.<StatefulConnection<String, String>>fromCallable(
                                        () -> standalone.connect(StringCodec.UTF8))
                                .subscribeOn(Schedulers.boundedElastic());
                    });
        }

        @SuppressWarnings("unchecked")
        Mono<RedisReactiveCommands<String, String>> commandsFor(String key) {
            return connection.flatMap(
                    open -> {
                        if (open instanceof StatefulRedisClusterConnection<?, ?> cluster) {
                            return masterOf(
                                    (StatefulRedisClusterConnection<String, String>) cluster, key);
                        }
                        return Mono.just(
                                ((StatefulRedisConnection<String, String>) open).reactive());
                    });
        }

        private Mono<RedisReactiveCommands<String, String>> masterOf(
                StatefulRedisClusterConnection<String, String> cluster, String key) {
            int slot = SlotHash.getSlot(key);
            RedisClusterNode master = cluster.getPartitions().getMasterBySlot(slot);
            if (master == null) {
                return Mono.error(new IllegalStateException("no known master for slot " + slot));
            }
            return Mono.fromCompletionStage(() -> cluster.getConnectionAsync(master.getNodeId()))
                    .map(StatefulRedisConnection::reactive);
        }

        void close() {
            StatefulConnection<String, String> open = opened.getAndSet(null);
            if (open != null) {
                open.close();
            }
        }
    }
}
