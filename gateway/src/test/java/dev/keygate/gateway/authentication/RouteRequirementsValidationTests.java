package dev.keygate.gateway.authentication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keygate.gateway.authentication.RouteRequirements.MalformedRouteRequirementsException;
import dev.keygate.plaingateway.PlainGatewayApplication;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.cloud.gateway.event.RefreshRoutesResultEvent;
import org.springframework.cloud.gateway.handler.predicate.PredicateDefinition;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.route.RouteDefinitionWriter;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** Route requirements are read when routes load: a malformed route is refused there, not served. */
@ExtendWith(RedisExtension.class)
class RouteRequirementsValidationTests {

    private final RedisServer redis;

    RouteRequirementsValidationTests(RedisServer redis) {
        this.redis = redis;
    }

    private static Route route(String id, Map<String, Object> keygate) {
        return Route.async()
                .id(id)
                .uri("http://upstream.invalid")
                .predicate(exchange -> true)
                .metadata(RouteRequirements.METADATA_KEY, keygate)
                .build();
    }

    @Test
    void loadingAMisspeltRequirementFailsNamingTheRouteAndTheEntry() {
        RouteLocator locator =
                () ->
                        Flux.just(
                                route("ok", Map.of("public", true)),
                                route("orders", Map.of("scope", "x")));
        Object wrapped =
                new RouteRequirementsValidation().postProcessAfterInitialization(locator, "routes");

        StepVerifier.create(((RouteLocator) wrapped).getRoutes())
                .expectNextCount(1)
                .expectErrorSatisfies(
                        error ->
                                assertThat(error)
                                        .isInstanceOf(MalformedRouteRequirementsException.class)
                                        .hasMessageContaining("route 'orders'")
                                        .hasMessageContaining("unknown entry 'scope'"))
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void aFailedFirstLoadStopsTheStartAndALaterOneDoesNot() {
        RouteRequirementsValidation validation = new RouteRequirementsValidation();
        MalformedRouteRequirementsException malformed =
                new MalformedRouteRequirementsException("route 'typo': bad");
        validation.onApplicationEvent(new RefreshRoutesResultEvent(this, malformed));

        assertThatThrownBy(() -> validation.onApplicationEvent(started()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Keygate refuses to start")
                .hasMessageContaining("route 'typo'");

        RouteRequirementsValidation running = new RouteRequirementsValidation();
        running.onApplicationEvent(started());
        // a refresh after the start is refused by SCG (routes in force stay), not by a crash
        running.onApplicationEvent(new RefreshRoutesResultEvent(this, malformed));
    }

    private static ApplicationStartedEvent started() {
        return new ApplicationStartedEvent(
                new org.springframework.boot.SpringApplication(),
                new String[0],
                null,
                Duration.ZERO);
    }

    private String[] args(String... extra) {
        return java.util.stream.Stream.concat(
                        java.util.stream.Stream.of(
                                "--server.port=0",
                                "--spring.data.redis.url=" + redis.uri(),
                                "--backend.uri=http://127.0.0.1:9",
                                "--logging.level.root=WARN"),
                        java.util.stream.Stream.of(extra))
                .toArray(String[]::new);
    }

    @Test
    void aGatewayWithAMalformedRouteRefusesToStart() {
        String route = "--spring.cloud.gateway.server.webflux.routes[0].";
        assertThatThrownBy(
                        () ->
                                new SpringApplicationBuilder(PlainGatewayApplication.class)
                                        .run(
                                                args(
                                                        route + "id=typo",
                                                        route + "uri=http://127.0.0.1:9",
                                                        route + "predicates[0]=Path=/typo/**",
                                                        route
                                                                + "metadata.keygate.scope=orders:write")))
                // the start fails on the load's error, raised while SCG reads the routes during the
                // context refresh (Keygate's start check below is the backstop): it names the route
                .hasStackTraceContaining("route 'typo'")
                .hasStackTraceContaining("unknown entry 'scope'");
    }

    @Test
    void aRefreshWithAMalformedRouteIsRefusedAndTheRoutesInForceStay() {
        try (ConfigurableApplicationContext app =
                new SpringApplicationBuilder(PlainGatewayApplication.class).run(args())) {
            int port = app.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
            WebTestClient client =
                    WebTestClient.bindToServer()
                            .baseUrl("http://127.0.0.1:" + port)
                            .responseTimeout(Duration.ofSeconds(10))
                            .build();
            AtomicReference<RefreshRoutesResultEvent> result = new AtomicReference<>();
            app.addApplicationListener((ApplicationListener<RefreshRoutesResultEvent>) result::set);

            RouteDefinition typo = new RouteDefinition();
            typo.setId("typo");
            typo.setUri(URI.create("http://127.0.0.1:9"));
            typo.setPredicates(List.of(new PredicateDefinition("Path=/typo/**")));
            typo.setMetadata(
                    Map.of(RouteRequirements.METADATA_KEY, Map.of("public", true, "scope", "x")));
            app.getBean(RouteDefinitionWriter.class)
                    .save(reactor.core.publisher.Mono.just(typo))
                    .block();
            app.publishEvent(new RefreshRoutesEvent(this));

            await().atMost(Duration.ofSeconds(30)).until(() -> result.get() != null);
            assertThat(result.get().isSuccess()).isFalse();
            // the malformed route (which asked to be public) was not taken in: no route, 404
            client.get().uri("/typo/x").exchange().expectStatus().isNotFound();
            // the route in force still asks for a key
            client.get().uri("/api/x").exchange().expectStatus().isUnauthorized();
        }
    }
}
