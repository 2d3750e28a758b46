package dev.keygate.test.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A Redis Sentinel deployment of real processes on free loopback ports: one master, {@code n}
 * replicas and three Sentinels (quorum 2, {@code down-after-milliseconds} 1000), config files in a
 * temporary directory. Persistence is off. Sentinels run {@code redis-sentinel} when it is on the
 * PATH, else {@code redis-server <conf> --sentinel}.
 *
 * <p>Faults: {@link #failover()} ({@code SENTINEL FAILOVER}, graceful) and {@link #killMaster()}
 * ({@code SIGKILL} of the master, the Sentinels elect a replica). Both first wait, bounded, until
 * the set-up is settled (one master, every running replica linked to it), then until every Sentinel
 * names the new master and it says {@code role:master}. {@link #close()} stops every process.
 * Thread-safe for reads; run one fault at a time.
 */
public final class RedisSentinelSetup extends RedisTopology {

    /** The name the Sentinels monitor the master under. */
    public static final String MASTER_NAME = "mymaster";

    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(45);

    private final Path dir;
    private final List<RedisNodeProcess> dataNodes = new ArrayList<>();
    private final List<RedisNodeProcess> sentinels = new ArrayList<>();

    private RedisSentinelSetup() {
        super("keygate-sentinel-");
        this.dir = directory();
    }

    /** Starts a master, {@code replicas} replicas (1 or 2) and three Sentinels, all in sync. */
    public static RedisSentinelSetup start(int replicas) {
        if (replicas < 1 || replicas > 2) {
            throw new IllegalArgumentException("replicas must be 1 or 2: " + replicas);
        }
        return started(new RedisSentinelSetup(), setup -> setup.launch(replicas));
    }

    private void launch(int replicas) {
        String server = RedisNodeProcess.requiredExecutable("redis-server", "REDIS_SERVER_BIN");
        RedisNodeProcess master = dataNode(server, "master", null);
        dataNodes.add(master);
        for (int i = 1; i <= replicas; i++) {
            dataNodes.add(dataNode(server, "replica-" + i, master));
        }
        for (RedisNodeProcess replica : dataNodes.subList(1, dataNodes.size())) {
            RedisNodeProcess.await(
                    replica.name() + " in sync with the master",
                    Duration.ofSeconds(30),
                    () -> replicates(replica, master));
        }
        String sentinelBinary = RedisNodeProcess.executable("redis-sentinel", "REDIS_SENTINEL_BIN");
        for (int i = 1; i <= 3; i++) {
            sentinels.add(sentinel(sentinelBinary, server, "sentinel-" + i, master));
        }
        // Before any fault: every Sentinel knows the other two and every replica, or a failover
        // could not be authorised.
        for (RedisNodeProcess sentinel : sentinels) {
            RedisNodeProcess.await(
                    sentinel.name() + " to discover the others and the replicas",
                    Duration.ofSeconds(40),
                    () -> {
                        List<?> fields =
                                (List<?>) sentinel.command("SENTINEL", "MASTER", MASTER_NAME);
                        return "2".equals(field(fields, "num-other-sentinels"))
                                && Integer.toString(replicas).equals(field(fields, "num-slaves"));
                    });
        }
    }

    private RedisNodeProcess dataNode(String server, String name, RedisNodeProcess master) {
        return launchDataNode(
                server,
                name,
                () ->
                        master == null
                                ? List.of()
                                : List.of(
                                        "--replicaof",
                                        RedisNodeProcess.HOST,
                                        Integer.toString(master.port())));
    }

    private RedisNodeProcess sentinel(
            String sentinelBinary, String server, String name, RedisNodeProcess master) {
        Path conf = dir.resolve(name + ".conf");
        Path log = dir.resolve(name + ".log");
        return RedisNodeProcess.launchOnFreePort(
                name,
                log,
                port -> {
                    String text =
                            String.join(
                                    "\n",
                                    "port " + port,
                                    "bind " + RedisNodeProcess.HOST,
                                    "daemonize no",
                                    "dir " + dir,
                                    "logfile " + log,
                                    "sentinel monitor "
                                            + MASTER_NAME
                                            + " "
                                            + RedisNodeProcess.HOST
                                            + " "
                                            + master.port()
                                            + " 2",
                                    "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
                                    "sentinel failover-timeout " + MASTER_NAME + " 4000",
                                    "sentinel parallel-syncs " + MASTER_NAME + " 2",
                                    "");
                    try {
                        Files.writeString(conf, text);
                    } catch (IOException ex) {
                        throw new UncheckedIOException(ex);
                    }
                    return sentinelBinary != null
                            ? List.of(sentinelBinary, conf.toString())
                            : List.of(server, conf.toString(), "--sentinel");
                });
    }

    private static String field(List<?> flat, String name) {
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            if (name.equals(flat.get(i))) {
                return String.valueOf(flat.get(i + 1));
            }
        }
        return null;
    }

    /** The name to use as {@code spring.data.redis.sentinel.master}. */
    public String masterName() {
        return MASTER_NAME;
    }

    /**
     * {@code host:port,host:port,...} of the Sentinels: {@code spring.data.redis.sentinel.nodes}.
     */
    public String sentinelNodes() {
        return sentinels.stream().map(RedisNodeProcess::address).collect(Collectors.joining(","));
    }

    /** The Sentinel processes. */
    public List<RedisNodeProcess> sentinels() {
        return List.copyOf(sentinels);
    }

    /** The data nodes (the first one was the master at start). */
    public List<RedisNodeProcess> dataNodes() {
        return List.copyOf(dataNodes);
    }

    /** The data node that the first Sentinel that answers names as master. */
    public RedisNodeProcess currentMaster() {
        RuntimeException last = null;
        for (RedisNodeProcess sentinel : sentinels) {
            if (!sentinel.isRunning()) {
                continue;
            }
            try {
                return nodeAt(masterPortSeenBy(sentinel));
            } catch (RuntimeException ex) {
                last = ex;
            }
        }
        throw new IllegalStateException("no Sentinel answers", last);
    }

    private int masterPortSeenBy(RedisNodeProcess sentinel) {
        List<?> address =
                (List<?>) sentinel.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        return Integer.parseInt(String.valueOf(address.get(1)));
    }

    private RedisNodeProcess nodeAt(int port) {
        return dataNodes.stream()
                .filter(node -> node.port() == port)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no data node on port " + port));
    }

    /**
     * {@code SENTINEL FAILOVER}: a replica is promoted without waiting for agreement, the old
     * master becomes its replica. Returns the new master once every Sentinel names it and it is
     * writable.
     */
    public RedisNodeProcess failover() {
        RedisNodeProcess old = awaitSettled();
        RedisNodeProcess.await(
                "SENTINEL FAILOVER to be accepted",
                Duration.ofSeconds(20),
                () -> "OK".equals(sentinels.get(0).command("SENTINEL", "FAILOVER", MASTER_NAME)));
        return awaitNewMaster(old);
    }

    /**
     * Kills the master ({@code SIGKILL}); the Sentinels notice after {@code
     * down-after-milliseconds}, agree and promote a replica. Returns the new master once every
     * Sentinel names it and it is writable. The old master stays down (restart it with {@link
     * RedisNodeProcess#start()}: the Sentinels turn it into a replica).
     */
    public RedisNodeProcess killMaster() {
        RedisNodeProcess old = awaitSettled();
        old.kill();
        return awaitNewMaster(old);
    }

    /**
     * Waits, bounded, until the set-up is settled: every running Sentinel names the same master,
     * and every other running data node replicates it with its link up. Returns that master.
     *
     * <p>Right after one failover a Sentinel that saw it late may run another, leaving the first
     * promoted replica a lone master until the Sentinels turn it back into a replica (which flushes
     * it and drops its clients). Clients still connected to it write there meanwhile, and those
     * writes are lost (seen in CI: keys created in that window were gone after the next fault).
     * Call this before writing data a later fault must keep; the faults call it too.
     */
    public RedisNodeProcess awaitSettled() {
        RedisNodeProcess.await(
                "the Sentinels to agree on one master that every running data node replicates",
                FAILOVER_TIMEOUT,
                () -> {
                    List<Integer> named =
                            sentinels.stream()
                                    .filter(RedisNodeProcess::isRunning)
                                    .map(this::masterPortSeenBy)
                                    .distinct()
                                    .toList();
                    if (named.size() != 1) {
                        return false;
                    }
                    RedisNodeProcess master = nodeAt(named.get(0));
                    return dataNodes.stream()
                            .filter(RedisNodeProcess::isRunning)
                            .filter(node -> node != master)
                            .allMatch(node -> replicates(node, master));
                });
        return currentMaster();
    }

    /** Whether {@code replica} is a replica of {@code master} with its link up. */
    private static boolean replicates(RedisNodeProcess replica, RedisNodeProcess master) {
        Object info = replica.command("INFO", "replication");
        return "slave".equals(RedisNodeProcess.infoField(info, "role"))
                && Integer.toString(master.port())
                        .equals(RedisNodeProcess.infoField(info, "master_port"))
                && "up".equals(RedisNodeProcess.infoField(info, "master_link_status"));
    }

    private RedisNodeProcess awaitNewMaster(RedisNodeProcess old) {
        RedisNodeProcess.await(
                "every Sentinel to name a new master instead of " + old,
                FAILOVER_TIMEOUT,
                () ->
                        sentinels.stream()
                                .filter(RedisNodeProcess::isRunning)
                                .allMatch(s -> masterPortSeenBy(s) != old.port()));
        RedisNodeProcess promoted = currentMaster();
        RedisNodeProcess.await(
                promoted + " to be a writable master",
                FAILOVER_TIMEOUT,
                () ->
                        "master"
                                .equals(
                                        RedisNodeProcess.infoField(
                                                promoted.command("INFO", "replication"), "role")));
        return promoted;
    }

    /** The Sentinels first, then the data nodes. */
    @Override
    List<RedisNodeProcess> processes() {
        List<RedisNodeProcess> processes = new ArrayList<>(sentinels);
        processes.addAll(dataNodes);
        return processes;
    }

    @Override
    public String toString() {
        return "Sentinel set-up in " + dir + ": " + dataNodes + " watched by " + sentinels;
    }
}
