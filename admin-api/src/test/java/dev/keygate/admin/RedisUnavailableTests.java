package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keygate.test.redis.RedisProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/** With its own Redis, which the test stops: every operation is 503 with Retry-After. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "keygate.admin.token=" + AdminApiTestSupport.ADMIN_TOKEN,
            "management.server.port=0",
            "spring.data.redis.timeout=1s"
        })
class RedisUnavailableTests {

    private static final RedisProcess redis = RedisProcess.launch();

    @LocalServerPort int port;

    @DynamicPropertySource
    static void redisProperties(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", redis::uri);
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Test
    void redisStoppedMeans503WithRetryAfterAndNothingHalfDone() {
        AdminApi api = AdminApi.at(port, AdminApiTestSupport.ADMIN_TOKEN);
        WebTestClient client = api.client();
        String id = api.created(Map.of("owner", "acct-1")).id();

        redis.stop();
        try {
            for (var request :
                    List.of(
                            client.post()
                                    .uri("/v1/keys")
                                    .contentType(MediaType.APPLICATION_JSON)
                                    .bodyValue(Map.of("owner", "acct-1")),
                            client.post()
                                    .uri("/v1/keys")
                                    .header("Idempotency-Key", "k1")
                                    .contentType(MediaType.APPLICATION_JSON)
                                    .bodyValue(Map.of("owner", "acct-1")),
                            client.post().uri("/v1/keys/{id}/rotate", id),
                            client.patch()
                                    .uri("/v1/keys/{id}", id)
                                    .contentType(MediaType.APPLICATION_JSON)
                                    .bodyValue(Map.of("enabled", false)),
                            client.delete().uri("/v1/keys/{id}", id),
                            client.get().uri("/v1/keys/{id}", id),
                            client.get().uri("/v1/keys?owner=acct-1"),
                            client.get().uri("/v1/audit"))) {
                request.exchange()
                        .expectStatus()
                        .isEqualTo(503)
                        .expectHeader()
                        .valueEquals("Retry-After", "5")
                        .expectHeader()
                        .contentType("application/problem+json")
                        .expectBody()
                        .jsonPath("$.type")
                        .isEqualTo("https://keygate.dev/problems/store-unavailable");
            }
        } finally {
            redis.start();
        }
        // Redis runs without persistence, so after the restart nothing at all is there; what the
        // test pins is that the app recovers and no request was answered as a success.
        assertThat(((Number) redis.command("DBSIZE")).longValue()).isZero();
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> api.created(Map.of("owner", "acct-1")));
    }
}
