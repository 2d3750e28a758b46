package dev.keygate.gateway.app;

import io.lettuce.core.ClientOptions;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Redis client settings of the runnable gateway: while the connection is down, commands fail at
 * once instead of queueing (Lettuce's default queues them without bound until it reconnects). A
 * request that needs Redis then gets its 503 immediately, and an outage under load cannot fill the
 * heap with waiting commands. Plugin users may want the same in their application.
 */
@Configuration(proxyBeanMethods = false)
class RedisClientConfiguration {

    @Bean
    LettuceClientOptionsBuilderCustomizer keygateFailFastWhileDisconnected() {
        return options ->
                options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    }
}
