package dev.keygate.gateway.it;

import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.test.redis.RedisServer;
import java.security.SecureRandom;
import java.time.Clock;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/** A key store of its own for tests: what the admin API does, without the admin API. */
final class TestKeys implements AutoCloseable {

    private final LettuceConnectionFactory connectionFactory;
    final RedisKeyStore store;

    TestKeys(RedisServer redis, Clock clock) {
        connectionFactory = new LettuceConnectionFactory(redis.host(), redis.port());
        connectionFactory.afterPropertiesSet();
        connectionFactory.start();
        store =
                new RedisKeyStore(
                        new ReactiveStringRedisTemplate(connectionFactory),
                        RedisKeyspace.defaults(),
                        new ApiKeyGenerator(ApiKeyFormat.defaults(), new SecureRandom()),
                        clock);
    }

    @Override
    public void close() {
        connectionFactory.destroy();
    }
}
