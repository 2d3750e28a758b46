package dev.keygate.gateway.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisExtension.class)
class RunnableGatewayTests {

    private final RedisServer redis;

    RunnableGatewayTests(RedisServer redis) {
        this.redis = redis;
    }

    /** Regression: with the filter off, the upstream route used to lack its properties bean. */
    @Test
    void withKeygateSwitchedOffTheRunnableGatewayStillRoutesToItsUpstream() {
        WireMockServer upstream = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        upstream.start();
        upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("plain")));
        try (GatewayInstance gateway =
                GatewayInstance.start(
                        redis.uri(),
                        Map.of(
                                "keygate.gateway.enabled",
                                "false",
                                "keygate.gateway.upstream-uri",
                                "http://127.0.0.1:" + upstream.port()),
                        null)) {
            gateway.client()
                    .get()
                    .uri("/x")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody(String.class)
                    .isEqualTo("plain");
        } finally {
            upstream.stop();
        }
    }

    /**
     * A gateway reading key records from Redis replicas could cache a revoked record read from a
     * replica that lags behind the revocation, for the whole max-age: it refuses to start.
     */
    @Test
    void aGatewayConfiguredToReadFromReplicasRefusesToStart() {
        assertThatThrownBy(
                        () ->
                                GatewayInstance.start(
                                                redis.uri(),
                                                Map.of(
                                                        "spring.data.redis.lettuce.read-from",
                                                        "replicaPreferred",
                                                        "keygate.gateway.upstream-uri",
                                                        "http://127.0.0.1:9"),
                                                null)
                                        .close())
                .rootCause()
                .hasMessageContaining("reads keys from the Redis master only")
                .hasMessageContaining("spring.data.redis.lettuce.read-from");
    }
}
