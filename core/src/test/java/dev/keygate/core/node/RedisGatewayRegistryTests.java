package dev.keygate.core.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;

@ExtendWith(RedisExtension.class)
class RedisGatewayRegistryTests {

    private static final Instant STARTED = Instant.parse("2026-12-01T10:00:00Z");

    private final RedisServer redis;
    private TestKeys keys;
    private RedisGatewayRegistry registry;

    RedisGatewayRegistryTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeEach
    void connect() {
        redis.flushAll();
        keys = TestKeys.connectedTo(redis, Clock.systemUTC());
        registry = new RedisGatewayRegistry(keys.template(), RedisKeyspace.defaults());
    }

    @AfterEach
    void disconnect() {
        keys.close();
    }

    private static NodeReport report(String id, long applied) {
        return new NodeReport(
                id, "host a", "1.2.3", STARTED, applied, Duration.ofMillis(250), 42, 0.75);
    }

    @Test
    void aReportedNodeIsReadBackWithTheCurrentEpochOnRedisTime() {
        keys.template().opsForValue().set("kg:epoch", "17").block();
        registry.report(report("gw-1", 16), Duration.ofSeconds(10), false).block();

        GatewayFleet fleet = registry.read().block();

        assertThat(fleet.epoch()).isEqualTo(17);
        assertThat(fleet.nodes()).hasSize(1);
        GatewayNode node = fleet.nodes().get(0);
        assertThat(node.id()).isEqualTo("gw-1");
        assertThat(node.host()).isEqualTo("host_a");
        assertThat(node.version()).isEqualTo("1.2.3");
        assertThat(node.startedAt()).isEqualTo(STARTED);
        assertThat(node.appliedEpoch()).isEqualTo(16);
        assertThat(node.hasApplied(16)).isTrue();
        assertThat(node.hasApplied(17)).isFalse();
        assertThat(node.cacheSize()).isEqualTo(42);
        assertThat(node.hitRatio()).isEqualTo(0.75);
        // times are Redis's: the confirmation is placed 250 ms before the heartbeat
        assertThat(Duration.between(node.confirmedAt(), node.heartbeatAt()))
                .isEqualTo(Duration.ofMillis(250));
        assertThat(Duration.between(node.heartbeatAt(), node.expiresAt()))
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(node.sinceConfirmed(fleet.now())).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    }

    @Test
    void aNodeWhoseHeartbeatExpiredIsNotLiveAndIsForgottenByTheNextReport() {
        registry.report(report("gw-dying", 3), Duration.ofMillis(1), false).block();
        registry.report(report("gw-alive", 3), Duration.ofSeconds(10), false).block();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> ids(registry.read().block()).equals(List.of("gw-alive")));

        registry.report(report("gw-alive", 4), Duration.ofSeconds(10), false).block();

        assertThat(
                        keys.template()
                                .opsForHash()
                                .keys("kg:gateways:info:{kg:epoch}")
                                .collectList()
                                .block())
                .containsExactly("gw-alive");
        assertThat(keys.template().opsForZSet().size("kg:gateways:{kg:epoch}").block())
                .isEqualTo(1);
    }

    @Test
    void aNodeThatLeavesIsGoneAtOnce() {
        registry.report(report("gw-1", 1), Duration.ofSeconds(10), false).block();
        registry.report(report("gw-2", 1), Duration.ofSeconds(10), false).block();

        registry.leave("gw-1").block();

        assertThat(ids(registry.read().block())).containsExactly("gw-2");
    }

    @Test
    void aReportPublishesTheAppliedEpochOnlyWhenAsked() {
        List<String> messages = new CopyOnWriteArrayList<>();
        Disposable listening =
                keys.template()
                        .listenToChannel("kg:applied")
                        .subscribe(message -> messages.add(message.getMessage()));
        try {
            await().atMost(Duration.ofSeconds(5))
                    .until(
                            () -> {
                                registry.report(report("gw-1", 5), Duration.ofSeconds(10), true)
                                        .block();
                                return !messages.isEmpty();
                            });
            registry.report(report("gw-1", 6), Duration.ofSeconds(10), false).block();
            registry.report(report("gw-1", 7), Duration.ofSeconds(10), true).block();
            await().atMost(Duration.ofSeconds(5)).until(() -> messages.contains("gw-1 7"));
            assertThat(messages).doesNotContain("gw-1 6").allMatch(m -> m.matches("gw-1 [57]"));
        } finally {
            listening.dispose();
        }
    }

    @Test
    void nodeIdsAreWordsOfTheAppliedChannel() {
        assertThat(NodeReport.isValidId("gw-1.example:8080")).isTrue();
        assertThat(NodeReport.isValidId("gw 1")).isFalse();
        assertThat(NodeReport.isValidId("")).isFalse();
        assertThat(NodeReport.isValidId(null)).isFalse();
    }

    private static List<String> ids(GatewayFleet fleet) {
        return fleet.nodes().stream().map(GatewayNode::id).toList();
    }
}
