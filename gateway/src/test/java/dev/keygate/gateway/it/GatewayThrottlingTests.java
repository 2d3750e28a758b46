package dev.keygate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.NewKey;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.test.web.reactive.server.WebTestClient;

/** After too many failures from one address: 429 with Retry-After, before any lookup. */
@ExtendWith(RedisExtension.class)
class GatewayThrottlingTests {

    private static final String BAD_KEY = "kg_AAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    private final RedisServer redis;

    GatewayThrottlingTests(RedisServer redis) {
        this.redis = redis;
    }

    private static int status(WebTestClient client, String key, String forwardedFor) {
        WebTestClient.RequestHeadersSpec<?> request =
                client.get().uri("/things").header("X-Api-Key", key);
        if (forwardedFor != null) {
            request = request.header("X-Forwarded-For", forwardedFor);
        }
        return request.exchange().returnResult(Void.class).getStatus().value();
    }

    @Test
    void anAddressThatKeepsFailingIsRefusedWith429EvenWithAValidKeyAndCannotSpoofItsWayOut() {
        try (GatewayInstance gateway =
                        GatewayInstance.start(
                                redis.uri(),
                                Map.of(
                                        "keygate.gateway.upstream-uri", "http://127.0.0.1:9",
                                        "keygate.gateway.throttle.max-failures-per-minute", "5"),
                                null);
                TestKeys keys = new TestKeys(redis, Clock.systemUTC())) {
            WebTestClient client = gateway.client();
            IssuedKey valid =
                    keys.store.create(NewKey.forOwner("acct-t")).block(Duration.ofSeconds(5));
            for (int i = 0; i < 5; i++) {
                assertThat(status(client, BAD_KEY, null)).isEqualTo(401);
            }
            double unknownBefore = gateway.authCount("unknown");

            client.get()
                    .uri("/things")
                    .header("X-Api-Key", BAD_KEY)
                    .exchange()
                    .expectStatus()
                    .isEqualTo(429)
                    .expectHeader()
                    .value(
                            "Retry-After",
                            value -> assertThat(Integer.parseInt(value)).isBetween(1, 60))
                    .expectBody()
                    .jsonPath("$.type")
                    .isEqualTo("https://keygate.dev/problems/too-many-failed-attempts");
            assertThat(status(client, valid.key(), null)).isEqualTo(429);
            assertThat(status(client, BAD_KEY, "203.0.113.50")).isEqualTo(429);
            // refused before the lookup: no new unknown-id verdicts
            assertThat(gateway.authCount("unknown")).isEqualTo(unknownBefore);
            assertThat(gateway.authCount("throttled")).isEqualTo(3);
            // a missing key is no attempt: still the plain 401
            client.get().uri("/things").exchange().expectStatus().isUnauthorized();
        }
    }

    @Test
    void behindATrustedProxyEachForwardedClientHasItsOwnBudget() {
        try (GatewayInstance gateway =
                GatewayInstance.start(
                        redis.uri(),
                        Map.of(
                                "keygate.gateway.upstream-uri", "http://127.0.0.1:9",
                                "keygate.gateway.throttle.max-failures-per-minute", "3",
                                "keygate.gateway.throttle.trusted-proxies[0]", "127.0.0.1"),
                        null)) {
            WebTestClient client = gateway.client();
            for (int i = 0; i < 3; i++) {
                assertThat(status(client, BAD_KEY, "203.0.113.7")).isEqualTo(401);
            }
            assertThat(status(client, BAD_KEY, "203.0.113.7")).isEqualTo(429);
            // prepending a fake hop does not help: the right-most untrusted hop is the client
            assertThat(status(client, BAD_KEY, "198.51.100.1, 203.0.113.7")).isEqualTo(429);
            assertThat(status(client, BAD_KEY, "203.0.113.8")).isEqualTo(401);
        }
    }
}
