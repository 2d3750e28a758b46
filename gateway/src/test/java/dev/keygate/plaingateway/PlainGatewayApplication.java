package dev.keygate.plaingateway;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;

/**
 * Somebody else's Spring Cloud Gateway: its own routes, no Keygate code, only the keygate-gateway
 * dependency on the classpath.
 */
@SpringBootApplication
public class PlainGatewayApplication {

    @Bean
    RouteLocator routes(RouteLocatorBuilder builder, @Value("${backend.uri}") String backend) {
        return builder.routes()
                .route(
                        "status",
                        r ->
                                r.path("/status")
                                        .metadata("keygate", java.util.Map.of("public", true))
                                        .uri(backend))
                .route("api", r -> r.path("/api/**").uri(backend))
                .build();
    }
}
