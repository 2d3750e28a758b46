package dev.keygate.admin;

import dev.keygate.admin.web.KeyView;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import dev.keygate.test.time.MutableClock;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Runs the whole admin API on a random port against the shared real Redis of {@link
 * RedisExtension}, with a hand-moved clock. Every test starts from an empty Redis.
 */
@ExtendWith(RedisExtension.class)
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "keygate.admin.token=" + AdminApiTestSupport.ADMIN_TOKEN,
            "keygate.admin.tokens[0].name=auditor",
            "keygate.admin.tokens[0].token=" + AdminApiTestSupport.READ_ONLY_TOKEN,
            "keygate.admin.tokens[0].role=read-only",
            "keygate.admin.tokens[1].name=ci",
            "keygate.admin.tokens[1].token=" + AdminApiTestSupport.SECOND_ADMIN_TOKEN,
            "keygate.admin.tokens[1].role=admin",
            "management.server.port=0"
        })
@Import(TestClockConfiguration.class)
public abstract class AdminApiTestSupport {

    public static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
    public static final String READ_ONLY_TOKEN = "test-read-only-token-0123456789ab";
    public static final String SECOND_ADMIN_TOKEN = "test-ci-token-0123456789abcdefgh";
    public static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    protected static RedisServer redis;

    @LocalServerPort protected int port;

    @Autowired protected MutableClock clock;

    protected WebTestClient client;

    @BeforeAll
    static void redis(RedisServer server) {
        redis = server;
    }

    @DynamicPropertySource
    static void redisProperties(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", () -> redis.uri());
    }

    @BeforeEach
    void resetRedisAndClock() {
        redis.flushAll();
        clock.set(T0);
        client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
    }

    /** A client that sends the given admin token. */
    protected WebTestClient as(String token) {
        return client.mutate().defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token).build();
    }

    protected WebTestClient admin() {
        return as(ADMIN_TOKEN);
    }

    /** The admin test client sending the given token. */
    protected AdminApi api(String token) {
        return new AdminApi(as(token));
    }

    /** The admin test client sending the admin token. */
    protected AdminApi adminApi() {
        return api(ADMIN_TOKEN);
    }

    /** Creates a key and returns the answer. */
    protected KeyView createKey(Map<String, Object> body) {
        return adminApi().created(body);
    }

    /** The audit trail of one key (at most 100 events), read with {@code token}, expecting 200. */
    protected WebTestClient.BodyContentSpec auditOf(String id, String token) {
        return as(token)
                .get()
                .uri("/v1/audit?keyId={id}&limit=100", id)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody();
    }

    /** The number of keys in Redis. */
    protected long redisKeyCount() {
        return ((Number) redis.command("DBSIZE")).longValue();
    }
}
