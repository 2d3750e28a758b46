package dev.keygate.core.support;

import java.time.Duration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Installs {@link HeaderReadTimeout} on the Reactor Netty servers of an application that sets
 * {@value #PROPERTY} (the runnable gateway and admin API set it by default, 10 s): the application
 * port here, a separate management port through {@code
 * HeaderReadTimeoutManagementContextConfiguration}.
 */
@AutoConfiguration
@ConditionalOnClass(NettyServerCustomizer.class)
@ConditionalOnProperty(HeaderReadTimeoutAutoConfiguration.PROPERTY)
public class HeaderReadTimeoutAutoConfiguration {

    /** How long a client may take to send a request's line and headers. */
    public static final String PROPERTY = "keygate.server.header-read-timeout";

    @Bean
    NettyServerCustomizer keygateHeaderReadTimeout(Environment environment) {
        return HeaderReadTimeout.customizer(
                environment.getRequiredProperty(PROPERTY, Duration.class));
    }
}
