package dev.keygate.plaingateway;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.test.web.reactive.server.WebTestClient;

/** A plain Spring Cloud Gateway application is protected by the dependency alone. */
@ExtendWith(RedisExtension.class)
class PluginTests {

    private final RedisServer redis;

    PluginTests(RedisServer redis) {
        this.redis = redis;
    }

    private GatewayFixture start(String... properties) {
        GatewayFixture.Builder builder =
                GatewayFixture.builder()
                        .redis(redis)
                        .application(PlainGatewayApplication.class)
                        .upstreamAnswer(aResponse().withStatus(200).withBody("backend"))
                        .routes(uri -> Map.of("backend.uri", uri));
        for (int i = 0; i < properties.length; i += 2) {
            builder.property(properties[i], properties[i + 1]);
        }
        return builder.start();
    }

    @Test
    void everyRouteOfAPlainGatewayIsProtectedByTheDependencyAlone() {
        try (GatewayFixture fixture = start()) {
            assertEveryRouteIsProtected(fixture);
        }
    }

    private static void assertEveryRouteIsProtected(GatewayFixture fixture) {
        WebTestClient client = fixture.client();
        WireMockServer backend = fixture.upstream();
        IssuedKey key = fixture.keys().mint("plugin-user");

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
        try (GatewayFixture fixture = start("keygate.gateway.enabled", "false")) {
            fixture.client().get().uri("/api/orders").exchange().expectStatus().isOk();
        }
    }
}
