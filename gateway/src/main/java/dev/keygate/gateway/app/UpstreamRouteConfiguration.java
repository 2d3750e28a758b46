package dev.keygate.gateway.app;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** With {@code keygate.gateway.upstream-uri} set, one route sends every path there. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "keygate.gateway", name = "upstream-uri")
@EnableConfigurationProperties(UpstreamRouteProperties.class)
class UpstreamRouteConfiguration {

    /** The id of the catch-all route. */
    static final String ROUTE_ID = "keygate-upstream";

    @Bean
    RouteLocator keygateUpstreamRoute(
            RouteLocatorBuilder routes, UpstreamRouteProperties properties) {
        return routes.routes()
                .route(ROUTE_ID, route -> route.path("/**").uri(properties.upstreamUri()))
                .build();
    }
}
