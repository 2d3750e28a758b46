package dev.keygate.gateway.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;

/**
 * With {@code keygate.gateway.enabled=false}, Spring Cloud Gateway still routes every request, but
 * nothing checks a key: the gateway is an open proxy. That may be meant (a gateway that protects
 * nothing), so it is allowed, but said loudly at start.
 */
@AutoConfiguration
@ConditionalOnClass(GlobalFilter.class)
@ConditionalOnProperty(prefix = "keygate.gateway", name = "enabled", havingValue = "false")
public class KeygateDisabledAutoConfiguration {

    private static final Logger log =
            LoggerFactory.getLogger(KeygateDisabledAutoConfiguration.class);

    @Bean
    SmartInitializingSingleton keygateDisabledWarning() {
        return () ->
                log.warn(
                        "keygate.gateway.enabled=false: no API key is checked and every route is"
                                + " forwarded to its upstream unauthenticated");
    }
}
