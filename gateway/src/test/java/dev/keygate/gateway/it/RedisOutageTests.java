package dev.keygate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.gateway.testing.Probe;
import dev.keygate.test.redis.RedisProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Redis stopped, restarted and frozen under a running gateway (a private {@code redis-server} with
 * AOF on, so a restart keeps the data). Staleness is shortened to keep the test quick: poll 200 ms,
 * max-staleness 2 s, command timeout 300 ms. Nothing unverified is ever let through. What happens
 * is asserted, and in which order; how long it took is only printed.
 */
class RedisOutageTests {

    private static final Duration MAX_STALENESS = Duration.ofSeconds(2);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(300);

    /** For a state the gateway reaches by itself: generous, for a loaded 2-core machine. */
    private static final Duration BOUND = Duration.ofSeconds(10);

    /** For reconnecting after a restart (Lettuce backs off). */
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(20);

    private RedisProcess redis;
    private GatewayFixture fixture;
    private WebTestClient client;

    @BeforeEach
    void start() throws Exception {
        Path dir = Files.createTempDirectory("keygate-aof");
        redis =
                RedisProcess.launch(
                        "--appendonly", "yes", "--appendfsync", "always", "--dir", dir.toString());
        fixture =
                GatewayFixture.builder()
                        .redis(Map.of("spring.data.redis.url", redis.uri()), null)
                        .property("keygate.gateway.invalidation.poll-interval", "200ms")
                        .property(
                                "keygate.gateway.invalidation.max-staleness",
                                MAX_STALENESS.toMillis() + "ms")
                        .property(
                                "keygate.gateway.invalidation.command-timeout",
                                COMMAND_TIMEOUT.toMillis() + "ms")
                        .closing(redis)
                        .start();
        client = fixture.client();
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    /** On a connection of its own: the test stops and restarts this Redis. */
    private IssuedKey createKey() {
        try (TestKeys keys = TestKeys.connectedTo(redis, Clock.systemUTC())) {
            return keys.mint("acct-1");
        }
    }

    @Test
    void cachedKeysServeUntilMaxStalenessThenEverythingIs503AndServiceRecoversAfterRestart() {
        IssuedKey cached = createKey();
        IssuedKey neverSeen = createKey();
        Probe.until(client, cached.key(), 200, System.nanoTime(), BOUND);

        long stoppedAt = System.nanoTime();
        redis.stop();

        // cached and trusted for now (the epoch was confirmed a poll interval ago at most) ...
        assertThat(Probe.status(client, cached.key())).isEqualTo(200);
        // unknown to the cache: Redis must be asked, cannot be: 503 (not 401, not 200)
        WebTestClient.ResponseSpec unknown =
                client.get().uri("/things").header("X-Api-Key", neverSeen.key()).exchange();
        unknown.expectStatus().isEqualTo(503).expectHeader().valueEquals("Retry-After", "5");
        // ... then refused once the epoch is too old, and never served again while Redis is down
        Duration until503 = Probe.until(client, cached.key(), 503, stoppedAt, BOUND);
        System.out.printf(
                "[outage/stop] cached key served for %d ms after Redis stopped (max-staleness %d ms)%n",
                until503.toMillis(), MAX_STALENESS.toMillis());
        for (int i = 0; i < 10; i++) {
            assertThat(Probe.status(client, cached.key())).isEqualTo(503);
        }
        assertThat(Probe.status(client, "kg_AAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
                .isEqualTo(401);

        long restartedAt = System.nanoTime();
        redis.start();
        Duration recovered = Probe.until(client, cached.key(), 200, restartedAt, RECOVERY_BOUND);
        System.out.printf(
                "[outage/restart] served again %d ms after Redis restarted%n",
                recovered.toMillis());
        assertThat(Probe.status(client, neverSeen.key())).isEqualTo(200);
    }

    @Test
    void keyRemovedWhileTheGatewayWasCutOffIsRefusedOnceItReconnects() {
        IssuedKey key = createKey();
        Probe.until(client, key.key(), 200, System.nanoTime(), BOUND);

        redis.stop();
        redis.start();
        // the gateway's connections are still backing off: remove the key behind its back
        long removedAt = System.nanoTime();
        try (TestKeys keys = TestKeys.connectedTo(redis, Clock.systemUTC())) {
            assertThat(keys.store().remove(key.record().id()).block(TestKeys.WAIT)).isNotNull();
        }
        Duration refused = Probe.until(client, key.key(), 401, removedAt, RECOVERY_BOUND);
        System.out.printf(
                "[outage/removed-while-cut-off] refused %d ms after removal%n", refused.toMillis());
        // from removal on: only 401 (or 503 while unsure), never 200 again
        for (int i = 0; i < 20; i++) {
            assertThat(Probe.status(client, key.key())).isIn(401, 503);
        }
    }

    @Test
    void frozenRedisMeans503ForUncachedKeysWhileCachedKeysAreStillServedFromMemory() {
        IssuedKey cached = createKey();
        IssuedKey neverSeen = createKey();
        Probe.until(client, cached.key(), 200, System.nanoTime(), BOUND);

        redis.freeze();
        try {
            long start = System.nanoTime();
            // a cached key is answered from memory while Redis hangs
            assertThat(Probe.status(client, cached.key())).isEqualTo(200);
            // an uncached one is answered too (the command times out), with 503, not a hang
            long uncachedStart = System.nanoTime();
            assertThat(Probe.status(client, neverSeen.key())).isEqualTo(503);
            System.out.printf(
                    "[outage/frozen] uncached key answered 503 in %d ms (command timeout %d ms)%n",
                    (System.nanoTime() - uncachedStart) / 1_000_000, COMMAND_TIMEOUT.toMillis());
            // and once max-staleness has passed without a confirmed epoch, the cached one too
            Probe.until(client, cached.key(), 503, start, BOUND);
        } finally {
            redis.resume();
        }
        Duration recovered =
                Probe.until(client, neverSeen.key(), 200, System.nanoTime(), RECOVERY_BOUND);
        System.out.printf("[outage/frozen] recovered %d ms after resume%n", recovered.toMillis());
    }
}
