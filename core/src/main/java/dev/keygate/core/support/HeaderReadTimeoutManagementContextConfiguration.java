package dev.keygate.core.support;

import java.time.Duration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * {@link HeaderReadTimeout} on the management port when it is a port of its own: Spring Boot builds
 * that server in a child context, from a plain factory that only {@link WebServerFactoryCustomizer}
 * beans of that context customize (the application's {@link NettyServerCustomizer} beans do not
 * reach it).
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@ConditionalOnClass(NettyServerCustomizer.class)
@ConditionalOnProperty(HeaderReadTimeoutAutoConfiguration.PROPERTY)
class HeaderReadTimeoutManagementContextConfiguration {

    @Bean
    WebServerFactoryCustomizer<NettyReactiveWebServerFactory> keygateManagementHeaderReadTimeout(
            Environment environment) {
        NettyServerCustomizer customizer =
                HeaderReadTimeout.customizer(
                        environment.getRequiredProperty(
                                HeaderReadTimeoutAutoConfiguration.PROPERTY, Duration.class));
        return factory -> factory.addServerCustomizers(customizer);
    }
}
