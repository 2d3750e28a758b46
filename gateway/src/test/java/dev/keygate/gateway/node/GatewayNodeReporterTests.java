package dev.keygate.gateway.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keygate.core.node.GatewayFleet;
import dev.keygate.core.node.GatewayNode;
import dev.keygate.core.node.RedisGatewayRegistry;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;

@ExtendWith(RedisExtension.class)
class GatewayNodeReporterTests {

    /** Long enough that only the first heartbeat falls inside a test. */
    private static final Duration TTL = Duration.ofMinutes(3);

    private final RedisServer redis;
    private final AtomicLong applied = new AtomicLong(-1);
    private final List<String> messages = new CopyOnWriteArrayList<>();
    private TestKeys keys;
    private RedisGatewayRegistry registry;
    private GatewayNodeReporter reporter;
    private Disposable listening;

    GatewayNodeReporterTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeEach
    void start() {
        redis.flushAll();
        keys = TestKeys.connectedTo(redis, Clock.systemUTC());
        registry = new RedisGatewayRegistry(keys.template(), RedisKeyspace.defaults());
        listening =
                keys.template()
                        .listenToChannel("kg:applied")
                        .subscribe(message -> messages.add(message.getMessage()));
        reporter =
                new GatewayNodeReporter(
                        registry,
                        () ->
                                new GatewayNodeReporter.Status(
                                        applied.get(), Duration.ofMillis(10), 7, 0.5),
                        "gw-test",
                        "localhost",
                        "test",
                        Clock.systemUTC(),
                        TTL,
                        Duration.ofSeconds(2));
    }

    @AfterEach
    void stop() {
        reporter.stop();
        listening.dispose();
        keys.close();
    }

    @Test
    void aGatewayThatHasNotReadTheEpochYetIsNotRegistered() {
        reporter.start();
        reporter.applied(-1);
        // the first heartbeat ran at start; once an epoch is applied the node appears
        applied.set(3);
        reporter.applied(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> appliedEpoch() == 3);
        assertThat(registry.read().block().nodes())
                .extracting(GatewayNode::id)
                .containsExactly("gw-test");
    }

    @Test
    void aBurstOfAppliedEpochsIsReportedCoalescedAndTheLastOneAlwaysGetsOut() {
        await().atMost(Duration.ofSeconds(5))
                .until(
                        () -> {
                            // the subscription is up once a message published now arrives
                            keys.template().convertAndSend("kg:applied", "probe 0").block();
                            return messages.contains("probe 0");
                        });
        messages.clear();
        reporter.start();
        for (long epoch = 1; epoch <= 500; epoch++) {
            applied.set(epoch);
            reporter.applied(epoch);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> messages.contains("gw-test 500"));
        assertThat(appliedEpoch()).isEqualTo(500);
        // one report in flight at a time: far fewer reports than signals, none out of order
        assertThat(messages).hasSizeLessThan(500);
        List<Long> published =
                messages.stream()
                        .map(m -> Long.parseLong(m.substring("gw-test ".length())))
                        .toList();
        assertThat(published).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void theCacheIsNotTrustedUntilTheFirstReportHasReachedRedis() {
        assertThat(reporter.mayTrustCache()).isFalse();
        reporter.start();
        assertThat(reporter.mayTrustCache()).isFalse();

        applied.set(2);
        reporter.applied(2);

        await().atMost(Duration.ofSeconds(10)).until(reporter::mayTrustCache);
        assertThat(appliedEpoch()).isEqualTo(2);
    }

    @Test
    void aStoppedGatewayLeavesTheRegistryAtOnce() {
        applied.set(1);
        reporter.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> appliedEpoch() == 1);

        reporter.stop();

        assertThat(registry.read().block().nodes()).isEmpty();
    }

    private long appliedEpoch() {
        GatewayFleet fleet = registry.read().block();
        return fleet.nodes().isEmpty() ? -1 : fleet.nodes().get(0).appliedEpoch();
    }
}
