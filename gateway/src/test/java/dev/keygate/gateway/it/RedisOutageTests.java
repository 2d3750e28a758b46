package dev.keygate.gateway.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.NewKey;
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
 * max-staleness 2 s, command timeout 300 ms. Nothing unverified is ever let through.
 */
class RedisOutageTests {

    private static final Duration MAX_STALENESS = Duration.ofSeconds(2);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(300);

    private RedisProcess redis;
    private WireMockServer upstream;
    private GatewayInstance gateway;
    private WebTestClient client;

    @BeforeEach
    void start() throws Exception {
        Path dir = Files.createTempDirectory("keygate-aof");
        redis =
                RedisProcess.launch(
                        "--appendonly", "yes", "--appendfsync", "always", "--dir", dir.toString());
        upstream = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        upstream.start();
        upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("ok")));
        gateway =
                GatewayInstance.start(
                        redis.uri(),
                        Map.of(
                                "keygate.gateway.upstream-uri",
                                        "http://127.0.0.1:" + upstream.port(),
                                "keygate.gateway.invalidation.poll-interval", "200ms",
                                "keygate.gateway.invalidation.max-staleness",
                                        MAX_STALENESS.toMillis() + "ms",
                                "keygate.gateway.invalidation.command-timeout",
                                        COMMAND_TIMEOUT.toMillis() + "ms"),
                        null);
        client = gateway.client();
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.stop();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private IssuedKey createKey() {
        try (TestKeys keys = new TestKeys(redis, Clock.systemUTC())) {
            return keys.store.create(NewKey.forOwner("acct-1")).block(Duration.ofSeconds(5));
        }
    }

    @Test
    void cachedKeysServeUntilMaxStalenessThenEverythingIs503AndServiceRecoversAfterRestart() {
        IssuedKey cached = createKey();
        IssuedKey neverSeen = createKey();
        Probe.until(client, cached.key(), 200, System.nanoTime(), Duration.ofSeconds(5));

        long stoppedAt = System.nanoTime();
        redis.stop();

        // unknown to the cache: Redis must be asked, cannot be: 503 (not 401, not 200)
        WebTestClient.ResponseSpec unknown =
                client.get().uri("/things").header("X-Api-Key", neverSeen.key()).exchange();
        unknown.expectStatus().isEqualTo(503).expectHeader().valueEquals("Retry-After", "5");
        // cached and trusted for now, then refused once the epoch is too old
        Duration until503 =
                Probe.until(client, cached.key(), 503, stoppedAt, Duration.ofSeconds(10));
        System.out.printf(
                "[outage/stop] cached key served for %d ms after Redis stopped (max-staleness %d ms)%n",
                until503.toMillis(), MAX_STALENESS.toMillis());
        assertThat(until503)
                .isGreaterThan(MAX_STALENESS.minusMillis(600))
                .isLessThan(MAX_STALENESS.plusSeconds(2));
        assertThat(Probe.status(client, "kg_AAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
                .isEqualTo(401);

        long restartedAt = System.nanoTime();
        redis.start();
        Duration recovered =
                Probe.until(client, cached.key(), 200, restartedAt, Duration.ofSeconds(20));
        System.out.printf(
                "[outage/restart] served again %d ms after Redis restarted%n",
                recovered.toMillis());
        assertThat(Probe.status(client, neverSeen.key())).isEqualTo(200);
    }

    @Test
    void keyRemovedWhileTheGatewayWasCutOffIsRefusedOnceItReconnects() {
        IssuedKey key = createKey();
        Probe.until(client, key.key(), 200, System.nanoTime(), Duration.ofSeconds(5));

        redis.stop();
        redis.start();
        // the gateway's connections are still backing off: remove the key behind its back
        long removedAt = System.nanoTime();
        try (TestKeys keys = new TestKeys(redis, Clock.systemUTC())) {
            assertThat(keys.store.remove(key.record().id()).block(Duration.ofSeconds(5)))
                    .isNotNull();
        }
        Duration refused = Probe.until(client, key.key(), 401, removedAt, Duration.ofSeconds(20));
        System.out.printf(
                "[outage/removed-while-cut-off] refused %d ms after removal%n", refused.toMillis());
        // from removal on: only 401 (or 503 while unsure), never 200 again
        for (int i = 0; i < 20; i++) {
            assertThat(Probe.status(client, key.key())).isIn(401, 503);
        }
        assertThat(refused).isLessThan(MAX_STALENESS.plusSeconds(1));
    }

    @Test
    void frozenRedisMeans503WithinTheCommandTimeoutWithoutBlockingOtherRequests() {
        IssuedKey cached = createKey();
        IssuedKey neverSeen = createKey();
        Probe.until(client, cached.key(), 200, System.nanoTime(), Duration.ofSeconds(5));

        redis.freeze();
        try {
            long start = System.nanoTime();
            assertThat(Probe.status(client, neverSeen.key())).isEqualTo(503);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.printf(
                    "[outage/frozen] uncached key answered 503 in %d ms (command timeout %d ms)%n",
                    took.toMillis(), COMMAND_TIMEOUT.toMillis());
            assertThat(took).isLessThan(COMMAND_TIMEOUT.plusSeconds(1));
            // the event loop is free: a cached key is still answered at once while Redis hangs
            long cachedStart = System.nanoTime();
            assertThat(Probe.status(client, cached.key())).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - cachedStart))
                    .isLessThan(COMMAND_TIMEOUT);
            Probe.until(client, cached.key(), 503, start, Duration.ofSeconds(10));
        } finally {
            redis.resume();
        }
        Duration recovered =
                Probe.until(
                        client, neverSeen.key(), 200, System.nanoTime(), Duration.ofSeconds(20));
        System.out.printf("[outage/frozen] recovered %d ms after resume%n", recovered.toMillis());
    }
}
