package dev.keygate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.gateway.testing.TestGateway;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import dev.keygate.test.redis.RespClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * After too many failures from one address: 429 with Retry-After for that address's failed attempts
 * and for made-up ids beyond a small lookup allowance; valid keys from the same address still work.
 */
@ExtendWith(RedisExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayThrottlingTests {

    private static final String BAD_KEY = "kg_AAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    private final RedisServer redis;

    GatewayThrottlingTests(RedisServer redis) {
        this.redis = redis;
    }

    private GatewayFixture start(String... properties) {
        GatewayFixture.Builder builder = GatewayFixture.builder().redis(redis);
        for (int i = 0; i < properties.length; i += 2) {
            builder.property(properties[i], properties[i + 1]);
        }
        return builder.start();
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
    void aFloodOfBadKeysFromOneAddressDoesNotLockOutValidKeys() {
        try (GatewayFixture fixture =
                        start(
                                "keygate.gateway.throttle.max-failures-per-minute", "5",
                                "keygate.gateway.throttle.lookups-per-second", "2");
                RespClient resp = RespClient.connect(redis.host(), redis.port())) {
            WebTestClient client = fixture.client();
            IssuedKey cached = fixture.keys().mint("acct-t");
            IssuedKey notYetCached = fixture.keys().mint("acct-t");
            assertThat(status(client, cached.key(), null)).isEqualTo(200);
            // one broken client behind the same address (a NAT, an ingress) keeps failing
            for (int i = 0; i < 5; i++) {
                assertThat(status(client, BAD_KEY, null)).isEqualTo(401);
            }
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
            assertThat(status(client, "kg_garbage", null)).isEqualTo(429);

            // everybody else behind that address still gets in
            assertThat(status(client, cached.key(), null)).isEqualTo(200);
            assertThat(status(client, notYetCached.key(), null)).isEqualTo(200);
            assertThat(status(client, cached.key(), null)).isEqualTo(200);

            // made-up well-formed ids cost Redis a read only within the small allowance
            ApiKeyGenerator generator =
                    new ApiKeyGenerator(ApiKeyFormat.defaults(), new SecureRandom());
            long readsBefore = hgetallCalls(resp);
            long started = System.nanoTime();
            int refused = 0;
            for (int i = 0; i < 20; i++) {
                int status = status(client, generator.newKey().token(), null);
                assertThat(status).isIn(401, 429);
                refused += status == 429 ? 1 : 0;
            }
            long reads = hgetallCalls(resp) - readsBefore;
            // 2 per one-second slot, in however many slots the loop took (a loaded machine may
            // stretch it): never one read per made-up id
            long slots = Duration.ofNanos(System.nanoTime() - started).toSeconds() + 2;
            long allowed = Math.min(20, 2 * slots);
            assertThat(reads).isLessThanOrEqualTo(allowed);
            assertThat(refused).isGreaterThanOrEqualTo((int) (20 - allowed));
            assertThat(reads).isLessThan(20);
            // a missing key is no attempt: still the plain 401
            client.get().uri("/things").exchange().expectStatus().isUnauthorized();
        }
    }

    /**
     * The lookup allowance of a limited address is shared by everything it sends: a flood of
     * made-up ids would use it up at the start of every second, and a valid key whose cache entry
     * expired would then get 429 again and again. A key this gateway verified before skips it.
     */
    @Test
    void aFloodOfMadeUpIdsDoesNotCrowdOutAKeyWhoseCacheEntryExpired() {
        try (GatewayFixture fixture =
                start(
                        "keygate.gateway.throttle.max-failures-per-minute", "3",
                        "keygate.gateway.throttle.lookups-per-second", "1",
                        "keygate.gateway.cache.max-age", "500ms")) {
            TestGateway gateway = fixture.gateway();
            WebTestClient client = gateway.client();
            IssuedKey valid = fixture.keys().mint("acct-t");
            assertThat(status(client, valid.key(), null)).isEqualTo(200);
            for (int i = 0; i < 3; i++) {
                status(client, BAD_KEY, null);
            }
            ApiKeyGenerator generator =
                    new ApiKeyGenerator(ApiKeyFormat.defaults(), new SecureRandom());
            double loadsBefore = storeLoads(gateway);
            List<Integer> validStatuses = new ArrayList<>();
            // flood, then the valid key, round after round, until its entry (max-age 500 ms) has
            // expired and been read again past the allowance the flood keeps using up
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(
                            () -> {
                                for (int i = 0; i < 5; i++) {
                                    status(client, generator.newKey().token(), null);
                                }
                                validStatuses.add(status(client, valid.key(), null));
                                return storeLoads(gateway) - loadsBefore > 1;
                            });
            assertThat(validStatuses).isNotEmpty().containsOnly(200);
        }
    }

    /** Store reads that found a record: only real keys' (made-up ids find nothing). */
    private static double storeLoads(TestGateway gateway) {
        return gateway
                .bean(io.micrometer.core.instrument.MeterRegistry.class)
                .find("keygate.store.load")
                .tag("result", "found")
                .timers()
                .stream()
                .mapToDouble(timer -> timer.count())
                .sum();
    }

    /** How many HGETALL (key record reads) the Redis server has run. */
    private static long hgetallCalls(RespClient resp) {
        String stats = String.valueOf(resp.command("INFO", "commandstats"));
        Matcher calls = Pattern.compile("cmdstat_hgetall:calls=(\\d+)").matcher(stats);
        return calls.find() ? Long.parseLong(calls.group(1)) : 0;
    }

    @Test
    void behindATrustedProxyEachForwardedClientHasItsOwnBudget() {
        try (GatewayFixture fixture =
                start(
                        "keygate.gateway.throttle.max-failures-per-minute", "3",
                        "keygate.gateway.throttle.trusted-proxies[0]", "127.0.0.1")) {
            WebTestClient client = fixture.client();
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
