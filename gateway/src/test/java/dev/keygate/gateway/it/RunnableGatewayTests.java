package dev.keygate.gateway.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.gateway.testing.TestGateway;
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
        try (GatewayFixture fixture =
                GatewayFixture.builder()
                        .redis(redis)
                        .upstreamAnswer(aResponse().withStatus(200).withBody("plain"))
                        .property("keygate.gateway.enabled", "false")
                        .start()) {
            fixture.client()
                    .get()
                    .uri("/x")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody(String.class)
                    .isEqualTo("plain");
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
                                TestGateway.start(
                                                Map.of(
                                                        "spring.data.redis.url",
                                                        redis.uri(),
                                                        "spring.data.redis.lettuce.read-from",
                                                        "replicaPreferred",
                                                        "keygate.gateway.upstream-uri",
                                                        "http://127.0.0.1:9"))
                                        .close())
                .rootCause()
                .hasMessageContaining("reads keys from the Redis master only")
                .hasMessageContaining("spring.data.redis.lettuce.read-from");
    }
}
