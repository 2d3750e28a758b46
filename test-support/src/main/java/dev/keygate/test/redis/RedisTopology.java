package dev.keygate.test.redis;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

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
