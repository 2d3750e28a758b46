package dev.keygate.portal.config;

import dev.keygate.admin.config.StrictJson;
import dev.keygate.portal.user.PortalUsers;
import dev.keygate.portal.web.PortalUserArgumentResolver;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;

/**
 * Controllers receive the signed-in {@code PortalUser}; JSON bodies are read as strictly as the
 * admin API reads them (unknown properties refused, no coercion, ISO-8601 instants and durations).
 */
@Configuration(proxyBeanMethods = false)
class PortalWebConfiguration {

    @Bean
    JsonMapperBuilderCustomizer strictRequestBodies() {
        return StrictJson.customizer();
    }

    @Bean
    WebFluxConfigurer portalWebFluxConfigurer(PortalUsers users) {
        return new WebFluxConfigurer() {
            @Override
            public void configureArgumentResolvers(ArgumentResolverConfigurer configurer) {
                configurer.addCustomResolver(new PortalUserArgumentResolver(users));
            }
        };
    }
}
