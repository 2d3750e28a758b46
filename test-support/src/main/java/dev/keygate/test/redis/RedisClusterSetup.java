package dev.keygate.test.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of real processes on free loopback ports: three masters, optionally one replica
 * each, created with {@code redis-cli --cluster create}, {@code cluster-node-timeout} 1000 ms,
 * persistence off, files in a temporary directory. {@link #start(int)} returns once every node says
 * {@code cluster_state:ok} and agrees on who serves every slot.
 *
 * <p>Faults: {@link #moveSlot(int, RedisNodeProcess)} (by hand: {@code SETSLOT
 * IMPORTING/MIGRATING}, {@code MIGRATE}, {@code SETSLOT NODE}, as {@code redis-cli --cluster
 * reshard} does), {@link #failover(RedisNodeProcess)} ({@code CLUSTER FAILOVER} on the master's
 * replica) and {@link #killMaster(RedisNodeProcess)} ({@code SIGKILL}, the replica is elected).
 * Each waits, bounded, until the cluster is consistent again. {@link #close()} stops every process.
 * Run one fault at a time.
 */
public final class RedisClusterSetup extends RedisTopology {

    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(45);

    private final Path dir;
    private final List<RedisNodeProcess> nodes = new ArrayList<>();

    private RedisClusterSetup() {
        super("keygate-cluster-");
        this.dir = directory();
    }

    /**
     * Whether a Cluster can be created here: it needs {@code redis-cli}, which the embedded-redis
     * fallback does not ship. Tests use this to skip, with a reason, on a machine without one.
     */
    public static boolean isAvailable() {
        return RedisNodeProcess.executable("redis-cli", "REDIS_CLI_BIN") != null
                && RedisNodeProcess.executable("redis-server", "REDIS_SERVER_BIN") != null;
    }

    /** Starts three masters and {@code replicasPerMaster} (0 or 1) replicas for each. */
    public static RedisClusterSetup start(int replicasPerMaster) {
        if (replicasPerMaster < 0 || replicasPerMaster > 1) {
            throw new IllegalArgumentException("replicasPerMaster must be 0 or 1");
        }
        return started(new RedisClusterSetup(), setup -> setup.launch(replicasPerMaster));
    }

    private void launch(int replicasPerMaster) {
        String server = RedisNodeProcess.requiredExecutable("redis-server", "REDIS_SERVER_BIN");
        String cli = RedisNodeProcess.requiredExecutable("redis-cli", "REDIS_CLI_BIN");
        int count = 3 * (1 + replicasPerMaster);
        for (int i = 1; i <= count; i++) {
            nodes.add(node(server, "node-" + i));
        }
        List<String> create = new ArrayList<>(List.of(cli, "--cluster", "create"));
        nodes.forEach(node -> create.add(node.address()));
        create.addAll(
                List.of(
                        "--cluster-replicas",
                        Integer.toString(replicasPerMaster),
                        "--cluster-yes"));
        run(create, Duration.ofSeconds(60));
        awaitConsistent();
        awaitReplicasInSync();
    }

    /**
     * Waits until every running replica's link to its master is up (after a restart, a failover or
     * at start), so a failover cannot lose what the master acknowledged.
     */
    public void awaitReplicasInSync() {
        for (RedisNodeProcess node : running()) {
            if (!isMaster(node)) {
                RedisNodeProcess.await(
                        node + " in sync with its master",
                        SETTLE_TIMEOUT,
                        () ->
                                "up"
                                        .equals(
                                                RedisNodeProcess.infoField(
                                                        node.command("INFO", "replication"),
                                                        "master_link_status")));
            }
        }
    }

    private RedisNodeProcess node(String server, String name) {
        return launchDataNode(
                server,
                name,
                () ->
                        List.of(
                                "--cluster-enabled",
                                "yes",
                                "--cluster-port",
                                Integer.toString(RedisNodeProcess.freePort(65535)),
                                "--cluster-config-file",
                                directory().resolve(name + "-nodes.conf").toString(),
                                "--cluster-node-timeout",
                                "1000",
                                "--cluster-replica-validity-factor",
                                "0"));
    }

    /** Runs a command line to completion within {@code bound}; returns its output. */
    private String run(List<String> command, Duration bound) {
        try {
            Path out = Files.createTempFile(dir, "cmd-", ".out");
            Process process =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(out.toFile())
                            .redirectInput(
                                    ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                            .start();
            if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(
                        "timed out after " + bound + ": " + command + ": " + read(out));
            }
            String output = read(out);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        "exit " + process.exitValue() + ": " + command + ": " + output);
            }
            return output;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /**
     * Waits until every running node says {@code cluster_state:ok} and all of them agree on the
     * master of every slot.
     */
    public void awaitConsistent() {
        RedisNodeProcess.await(
                "cluster_state:ok and one slot map on every running node",
                SETTLE_TIMEOUT,
                () -> {
                    Map<Integer, String> first = null;
                    for (RedisNodeProcess node : running()) {
                        if (!"ok"
                                .equals(
                                        RedisNodeProcess.infoField(
                                                node.command("CLUSTER", "INFO"),
                                                "cluster_state"))) {
                            return false;
                        }
                        Map<Integer, String> owners = slotOwners(node);
                        if (owners.size() != 16384) {
                            return false;
                        }
                        if (first == null) {
                            first = owners;
                        } else if (!first.equals(owners)) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    /** Slot to master node id, as {@code node} sees it ({@code CLUSTER NODES}). */
    private static Map<Integer, String> slotOwners(RedisNodeProcess node) {
        Map<Integer, String> owners = new HashMap<>();
        for (String line : String.valueOf(node.command("CLUSTER", "NODES")).split("\n")) {
            String[] parts = line.trim().split(" ");
            if (parts.length < 9 || !parts[2].contains("master") || parts[2].contains("fail")) {
                continue;
            }
            for (int i = 8; i < parts.length; i++) {
                String range = parts[i];
                if (range.startsWith("[")) {
                    continue; // a slot being migrated or imported
                }
                String[] bounds = range.split("-");
                int from = Integer.parseInt(bounds[0]);
                int to = bounds.length > 1 ? Integer.parseInt(bounds[1]) : from;
                for (int slot = from; slot <= to; slot++) {
                    owners.put(slot, parts[0]);
                }
            }
        }
        return owners;
    }

    private List<RedisNodeProcess> running() {
        return nodes.stream().filter(RedisNodeProcess::isRunning).toList();
    }

    /** Every node, masters and replicas, in creation order. */
    public List<RedisNodeProcess> nodes() {
        return List.copyOf(nodes);
    }

    /** The running masters, as the first running node sees them. */
    public List<RedisNodeProcess> masters() {
        return running().stream().filter(RedisClusterSetup::isMaster).toList();
    }

    private static boolean isMaster(RedisNodeProcess node) {
        return "master"
                .equals(RedisNodeProcess.infoField(node.command("INFO", "replication"), "role"));
    }

    /**
     * {@code host:port,...} of the initial masters: {@code spring.data.redis.cluster.nodes}.
     * Lettuce discovers the rest.
     */
    public String clusterNodes() {
        return nodes.subList(0, 3).stream()
                .map(RedisNodeProcess::address)
                .collect(Collectors.joining(","));
    }

    /** The hash slot of {@code key} ({@code CLUSTER KEYSLOT}). */
    public int slot(String key) {
        return ((Long) running().get(0).command("CLUSTER", "KEYSLOT", key)).intValue();
    }

    /** The node id of {@code node} ({@code CLUSTER MYID}). */
    public String nodeId(RedisNodeProcess node) {
        return String.valueOf(node.command("CLUSTER", "MYID"));
    }

    /** The master serving {@code slot}, as the running nodes agree. */
    public RedisNodeProcess masterOf(int slot) {
        String id = slotOwners(running().get(0)).get(slot);
        for (RedisNodeProcess node : running()) {
            if (nodeId(node).equals(id)) {
                return node;
            }
        }
        throw new IllegalStateException("no running node serves slot " + slot);
    }

    /** The replica of {@code master}, if it has a running one. */
    public RedisNodeProcess replicaOf(RedisNodeProcess master) {
        String id = nodeId(master);
        for (RedisNodeProcess node : running()) {
            if (node != master
                    && String.valueOf(node.command("CLUSTER", "NODES"))
                            .lines()
                            .anyMatch(
                                    line ->
                                            line.contains("myself")
                                                    && line.contains("slave " + id))) {
                return node;
            }
        }
        throw new IllegalStateException(master + " has no running replica");
    }

    /**
     * Moves {@code slot} and its keys to {@code target} (a master), as {@code redis-cli --cluster
     * reshard} does, then waits until every node agrees.
     */
    public void moveSlot(int slot, RedisNodeProcess target) {
        RedisNodeProcess source = masterOf(slot);
        if (source == target) {
            throw new IllegalArgumentException(target + " already serves slot " + slot);
        }
        String sourceId = nodeId(source);
        String targetId = nodeId(target);
        String s = Integer.toString(slot);
        target.command("CLUSTER", "SETSLOT", s, "IMPORTING", sourceId);
        source.command("CLUSTER", "SETSLOT", s, "MIGRATING", targetId);
        while (true) {
            List<?> keys = (List<?>) source.command("CLUSTER", "GETKEYSINSLOT", s, "100");
            if (keys.isEmpty()) {
                break;
            }
            List<String> migrate =
                    new ArrayList<>(
                            List.of(
                                    "MIGRATE",
                                    target.host(),
                                    Integer.toString(target.port()),
                                    "",
                                    "0",
                                    "5000",
                                    "KEYS"));
            keys.forEach(key -> migrate.add(String.valueOf(key)));
            source.command(migrate.toArray(String[]::new));
        }
        target.command("CLUSTER", "SETSLOT", s, "NODE", targetId);
        source.command("CLUSTER", "SETSLOT", s, "NODE", targetId);
        for (RedisNodeProcess node : masters()) {
            if (node != source && node != target) {
                node.command("CLUSTER", "SETSLOT", s, "NODE", targetId);
            }
        }
        awaitConsistent();
        RedisNodeProcess.await(
                "slot " + slot + " served by " + target,
                SETTLE_TIMEOUT,
                () -> running().stream().allMatch(n -> targetId.equals(slotOwners(n).get(slot))));
    }

    /**
     * {@code CLUSTER FAILOVER} on {@code master}'s replica (graceful: the replica catches up
     * first). Returns the new master once every node agrees.
     */
    public RedisNodeProcess failover(RedisNodeProcess master) {
        RedisNodeProcess replica = replicaOf(master);
        replica.command("CLUSTER", "FAILOVER");
        RedisNodeProcess.await(replica + " promoted", SETTLE_TIMEOUT, () -> isMaster(replica));
        awaitConsistent();
        return replica;
    }

    /**
     * Kills {@code master} ({@code SIGKILL}); the other masters mark it failed after the node
     * timeout and its replica is elected. Returns the new master once every running node agrees.
     * The killed node stays down (its {@link RedisNodeProcess#start()} brings it back as a
     * replica).
     */
    public RedisNodeProcess killMaster(RedisNodeProcess master) {
        RedisNodeProcess replica = replicaOf(master);
        master.kill();
        RedisNodeProcess.await(replica + " promoted", SETTLE_TIMEOUT, () -> isMaster(replica));
        awaitConsistent();
        return replica;
    }

    @Override
    List<RedisNodeProcess> processes() {
        return List.copyOf(nodes);
    }

    @Override
    public String toString() {
        return "Redis Cluster in " + dir + ": " + nodes;
    }
}
