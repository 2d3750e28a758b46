package dev.keygate.core.testing;

import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.test.redis.RedisServer;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisConfiguration;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * A key store of its own, on its own Lettuce connection factory, for tests in every module (core's
 * test-jar): what the admin API does, without the admin API. {@link #close()} closes the
 * connections. Thread-safe, as {@link RedisKeyStore} is.
 *
 * <p>{@link #connectedTo(RedisServer, Clock)} is for a Redis that stays up; the fault variants
 * ({@link #standalone(String, int)}, {@link #sentinel(String, String)}, {@link #cluster(String)})
 * time commands out after 1 s and fail them at once while disconnected, as the admin API should; on
 * a cluster the topology is refreshed adaptively and every second.
 */
public final class TestKeys implements AutoCloseable {

    /** How long {@link #mint(NewKey)} waits for Redis. */
    public static final Duration WAIT = Duration.ofSeconds(5);

    private static final ClientOptions REJECT_WHILE_DISCONNECTED =
            ClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .build();

    private final LettuceConnectionFactory connectionFactory;
    private final ReactiveStringRedisTemplate template;
    private final RedisKeyStore store;

    private TestKeys(LettuceConnectionFactory connectionFactory, Clock clock) {
        this.connectionFactory = connectionFactory;
        connectionFactory.afterPropertiesSet();
        connectionFactory.start();
        template = new ReactiveStringRedisTemplate(connectionFactory);
        store =
                new RedisKeyStore(
                        template,
                        RedisKeyspace.defaults(),
                        new ApiKeyGenerator(ApiKeyFormat.defaults(), new SecureRandom()),
                        clock);
    }

    /**
     * A store on {@code redis} (Lettuce's default client settings), its dates from {@code clock}.
     */
    public static TestKeys connectedTo(RedisServer redis, Clock clock) {
        return new TestKeys(new LettuceConnectionFactory(redis.host(), redis.port()), clock);
    }

    /** A store on {@code configuration} (a user and password, say), Lettuce's defaults. */
    public static TestKeys on(RedisStandaloneConfiguration configuration) {
        return new TestKeys(new LettuceConnectionFactory(configuration), Clock.systemUTC());
    }

    /** A store on a standalone Redis that tests stop, freeze and restart. */
    public static TestKeys standalone(String host, int port) {
        return faultTolerant(
                new RedisStandaloneConfiguration(host, port), REJECT_WHILE_DISCONNECTED);
    }

    /** {@code nodes}: {@code host:port,...} of the Sentinels. */
    public static TestKeys sentinel(String master, String nodes) {
        RedisSentinelConfiguration configuration = new RedisSentinelConfiguration();
        configuration.master(master);
        for (String node : nodes.split(",")) {
            String[] parts = node.split(":");
            configuration.sentinel(parts[0], Integer.parseInt(parts[1]));
        }
        return faultTolerant(configuration, REJECT_WHILE_DISCONNECTED);
    }

    /** {@code nodes}: {@code host:port,...} of some cluster nodes. */
    public static TestKeys cluster(String nodes) {
        return faultTolerant(
                new RedisClusterConfiguration(List.of(nodes.split(","))),
                ClusterClientOptions.builder()
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .topologyRefreshOptions(
                                ClusterTopologyRefreshOptions.builder()
                                        .enableAllAdaptiveRefreshTriggers()
                                        .enablePeriodicRefresh(Duration.ofSeconds(1))
                                        .build())
                        .build());
    }

    private static TestKeys faultTolerant(RedisConfiguration configuration, ClientOptions options) {
        return new TestKeys(
                new LettuceConnectionFactory(
                        configuration,
                        LettuceClientConfiguration.builder()
                                .commandTimeout(Duration.ofSeconds(1))
                                .clientOptions(options)
                                .build()),
                Clock.systemUTC());
    }

    /** The key store. */
    public RedisKeyStore store() {
        return store;
    }

    /** A template on the same connections, for what the store does not say (pub/sub, raw keys). */
    public ReactiveStringRedisTemplate template() {
        return template;
    }

    /** The connections (its native client tells what Lettuce knows of the topology). */
    public LettuceConnectionFactory connectionFactory() {
        return connectionFactory;
    }

    /** Creates a key as {@code spec} says, waiting at most {@link #WAIT}. */
    public IssuedKey mint(NewKey spec) {
        return store.create(spec).block(WAIT);
    }

    /** Creates a key for {@code owner} with no scopes, organizations or expiry. */
    public IssuedKey mint(String owner) {
        return mint(NewKey.forOwner(owner));
    }

    @Override
    public void close() {
        connectionFactory.destroy();
    }
}
