package dev.keygate.test.redis;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a set-up of several Redis processes shares ({@link RedisClusterSetup}, {@link
 * RedisSentinelSetup}): a temporary directory for their config files and logs, a start that stops
 * whatever was launched when a later step fails, and a {@link #close()} that stops every process
 * (the logs stay in the directory).
 */
public abstract class RedisTopology implements AutoCloseable {

    private final Path dir;

    RedisTopology(String directoryPrefix) {
        this.dir = RedisNodeProcess.temporaryDirectory(directoryPrefix);
    }

    /** Runs {@code launch} on {@code topology}; when it fails, closes the topology and rethrows. */
    static <T extends RedisTopology> T started(T topology, Consumer<T> launch) {
        try {
            launch.accept(topology);
            return topology;
        } catch (RuntimeException ex) {
            topology.close();
            throw ex;
        }
    }

    /**
     * Launches a data node ({@code server}, a {@code redis-server}) on a free port, its log and
     * files in {@link #directory()}, replication diskless, with the arguments {@code extraArgs}
     * gives (asked again for each port tried).
     */
    RedisNodeProcess launchDataNode(String server, String name, Supplier<List<String>> extraArgs) {
        Path log = dir.resolve(name + ".log");
        return RedisNodeProcess.launchOnFreePort(
                name,
                log,
                port -> {
                    List<String> command = RedisNodeProcess.dataNodeCommand(server, port, log);
                    command.addAll(
                            List.of(
                                    "--dir",
                                    dir.toString(),
                                    "--dbfilename",
                                    name + ".rdb",
                                    "--repl-diskless-sync",
                                    "yes",
                                    "--repl-diskless-sync-delay",
                                    "0"));
                    command.addAll(extraArgs.get());
                    return command;
                });
    }

    /** Every process launched so far, in the order {@link #close()} stops them. */
    abstract List<RedisNodeProcess> processes();

    /** Where the config files and logs are. */
    public Path directory() {
        return dir;
    }

    /** Stops every process and deletes nothing (the logs stay in {@link #directory()}). */
    @Override
    public void close() {
        for (RedisNodeProcess process : processes()) {
            process.stop();
        }
    }
}
