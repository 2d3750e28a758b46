package dev.keygate.gateway.faults;

import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.store.RedisKeyspace;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisConfiguration;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * A key store on its own Lettuce connection factory: what the admin API does, without the admin
 * API. Commands time out after 1 s and fail at once while disconnected, as the admin API should; on
 * a cluster the topology is refreshed adaptively and every second.
 */
final class FaultKeys implements AutoCloseable {

    private final LettuceConnectionFactory connectionFactory;
    final RedisKeyStore store;

    private FaultKeys(RedisConfiguration configuration, ClientOptions options) {
        connectionFactory =
                new LettuceConnectionFactory(
                        configuration,
                        LettuceClientConfiguration.builder()
                                .commandTimeout(Duration.ofSeconds(1))
                                .clientOptions(options)
                                .build());
        connectionFactory.afterPropertiesSet();
        connectionFactory.start();
        store =
                new RedisKeyStore(
                        new ReactiveStringRedisTemplate(connectionFactory),
                        RedisKeyspace.defaults(),
                        new ApiKeyGenerator(ApiKeyFormat.defaults(), new SecureRandom()),
                        Clock.systemUTC());
    }

    static FaultKeys standalone(String host, int port) {
        return new FaultKeys(
                new RedisStandaloneConfiguration(host, port),
                ClientOptions.builder()
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .build());
    }

    /** {@code nodes}: {@code host:port,...} of the Sentinels. */
    static FaultKeys sentinel(String master, String nodes) {
        RedisSentinelConfiguration configuration = new RedisSentinelConfiguration();
        configuration.master(master);
        for (String node : nodes.split(",")) {
            String[] parts = node.split(":");
            configuration.sentinel(parts[0], Integer.parseInt(parts[1]));
        }
        return new FaultKeys(
                configuration,
                ClientOptions.builder()
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .build());
    }

    /** {@code nodes}: {@code host:port,...} of some cluster nodes. */
    static FaultKeys cluster(String nodes) {
        return new FaultKeys(
                new RedisClusterConfiguration(java.util.List.of(nodes.split(","))),
                ClusterClientOptions.builder()
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .topologyRefreshOptions(
                                ClusterTopologyRefreshOptions.builder()
                                        .enableAllAdaptiveRefreshTriggers()
                                        .enablePeriodicRefresh(Duration.ofSeconds(1))
                                        .build())
                        .build());
    }

    @Override
    public void close() {
        connectionFactory.destroy();
    }
}
