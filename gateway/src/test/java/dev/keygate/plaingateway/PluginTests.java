package dev.keygate.plaingateway;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.test.web.reactive.server.WebTestClient;

/** A plain Spring Cloud Gateway application is protected by the dependency alone. */
@ExtendWith(RedisExtension.class)
class PluginTests {

    private final RedisServer redis;
    private WireMockServer backend;
    private ConfigurableApplicationContext app;

    PluginTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeEach
    void startBackend() {
        backend = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        backend.start();
        backend.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("backend")));
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        backend.stop();
    }

    private WebTestClient start(String... extra) {
        String[] args =
                java.util.stream.Stream.concat(
                                java.util.stream.Stream.of(
                                        "--server.port=0",
                                        "--spring.data.redis.url=" + redis.uri(),
                                        "--backend.uri=http://127.0.0.1:" + backend.port(),
                                        "--logging.level.root=WARN"),
                                java.util.stream.Stream.of(extra))
                        .toArray(String[]::new);
        app = new SpringApplicationBuilder(PlainGatewayApplication.class).run(args);
        int port = app.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
        return WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(10))
                .build();
    }

    private IssuedKey issueKey() {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(redis.host(), redis.port());
        factory.afterPropertiesSet();
        factory.start();
        try {
            return new RedisKeyStore(
                            new ReactiveStringRedisTemplate(factory),
                            RedisKeyspace.defaults(),
                            new ApiKeyGenerator(ApiKeyFormat.defaults(), new SecureRandom()),
                            Clock.systemUTC())
                    .create(NewKey.forOwner("plugin-user"))
                    .block(Duration.ofSeconds(5));
        } finally {
            factory.destroy();
        }
    }

    @Test
    void everyRouteOfAPlainGatewayIsProtectedByTheDependencyAlone() {
        WebTestClient client = start();
        IssuedKey key = issueKey();

        client.get().uri("/api/orders").exchange().expectStatus().isUnauthorized();
        assertThat(backend.getAllServeEvents()).isEmpty();

        client.get()
                .uri("/api/orders")
                .header("Authorization", "Bearer " + key.key())
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("backend");
        List<LoggedRequest> forwarded = backend.findAll(anyRequestedFor(anyUrl()));
        assertThat(forwarded).hasSize(1);
        assertThat(forwarded.get(0).getHeader("X-Api-Key-Owner")).isEqualTo("plugin-user");
        assertThat(forwarded.get(0).containsHeader("Authorization")).isFalse();

        client.get().uri("/status").exchange().expectStatus().isOk();
    }

    @Test
    void turningKeygateOffIsExplicit() {
        WebTestClient client = start("--keygate.gateway.enabled=false");
        client.get().uri("/api/orders").exchange().expectStatus().isOk();
    }
}
