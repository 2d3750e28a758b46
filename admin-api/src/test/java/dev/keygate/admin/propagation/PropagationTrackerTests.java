package dev.keygate.admin.propagation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keygate.core.node.NodeReport;
import dev.keygate.core.node.RedisGatewayRegistry;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * The receipt's wait on a real Redis: gateways are simulated by their registry reports (the same
 * script a gateway runs, publishing on the applied channel).
 */
@ExtendWith(RedisExtension.class)
class PropagationTrackerTests {

    /** Long, so that a receipt that completes early can only have completed by the messages. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final RedisServer redis;
    private LettuceConnectionFactory factory;
    private ReactiveStringRedisTemplate template;
    private RedisGatewayRegistry registry;
    private PropagationTracker tracker;

    PropagationTrackerTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeEach
    void start() {
        redis.flushAll();
        factory = new LettuceConnectionFactory(redis.host(), redis.port());
        factory.afterPropertiesSet();
        factory.start();
        template = new ReactiveStringRedisTemplate(factory);
        registry = new RedisGatewayRegistry(template, RedisKeyspace.defaults());
        tracker = new PropagationTracker(factory, registry, "kg:applied", TIMEOUT);
        tracker.start();
        // the subscription is up once a receipt's wait can be ended by a message
        AtomicLong epoch = new AtomicLong();
        report("gw-probe", 0, false);
        await().atMost(Duration.ofSeconds(20))
                .ignoreExceptions()
                .until(
                        () -> {
                            long next = epoch.incrementAndGet();
                            template.opsForValue().set("kg:epoch", Long.toString(next)).block();
                            CompletableFuture<PropagationReceipt> receipt =
                                    tracker.receipt(next, true).toFuture();
                            // only the message says so (the registry still says 0)
                            template.convertAndSend("kg:applied", "gw-probe " + next).block();
                            return receipt.get(2, TimeUnit.SECONDS).complete();
                        });
        registry.leave("gw-probe").block();
    }

    @AfterEach
    void stop() {
        tracker.stop();
        factory.destroy();
    }

    private void report(String node, long applied, boolean publish) {
        registry.report(
                        new NodeReport(node, "host", "test", Instant.EPOCH, applied, null, 0, 0),
                        Duration.ofMinutes(1),
                        publish)
                .block();
    }

    @Test
    void aReceiptCompletesAsSoonAsTheLastLiveGatewayHasAppliedTheEpoch() throws Exception {
        template.opsForValue().set("kg:epoch", "5").block();
        report("gw-a", 4, false);
        report("gw-b", 4, false);

        CompletableFuture<PropagationReceipt> receipt = tracker.receipt(5, true).toFuture();
        report("gw-a", 5, true);
        assertThat(receipt).isNotDone();
        report("gw-b", 6, true);

        // long before the 30 s timeout: the messages ended the wait
        PropagationReceipt done = receipt.get(10, TimeUnit.SECONDS);
        assertThat(done.gateways()).isEqualTo(2);
        assertThat(done.confirmed()).isEqualTo(2);
        assertThat(done.lagging()).isEmpty();
        assertThat(done.complete()).isTrue();
    }

    @Test
    void anEpochHeardBeforeTheStoreWasReplacedConfirmsNothing() {
        // a gateway announced epoch 1000 of a Redis that was then wiped; the new one is at 5
        template.convertAndSend("kg:applied", "gw-a 1000").block();
        template.opsForValue().set("kg:epoch", "5").block();
        report("gw-a", 2, false);

        PropagationReceipt receipt = tracker.receipt(5, false).block();

        assertThat(receipt.gateways()).isEqualTo(1);
        assertThat(receipt.confirmed()).isZero();
        assertThat(receipt.lagging()).containsExactly("gw-a");
    }

    @Test
    void aGatewayThatStaysBehindIsNamedWhenTheTimeoutEnds() {
        PropagationTracker shortWait =
                new PropagationTracker(factory, registry, "kg:applied", Duration.ofMillis(200));
        shortWait.start();
        try {
            template.opsForValue().set("kg:epoch", "9").block();
            report("gw-fast", 9, false);
            report("gw-frozen", 8, false);

            PropagationReceipt receipt = shortWait.receipt(9, true).block();

            assertThat(receipt.gateways()).isEqualTo(2);
            assertThat(receipt.confirmed()).isEqualTo(1);
            assertThat(receipt.lagging()).containsExactly("gw-frozen");
            assertThat(receipt.waitedMs()).isGreaterThanOrEqualTo(200);
        } finally {
            shortWait.stop();
        }
    }

    @Test
    void withoutLiveGatewaysAReceiptSaysSoAtOnce() {
        template.opsForValue().set("kg:epoch", "3").block();

        PropagationReceipt receipt = tracker.receipt(3, true).block();

        assertThat(receipt.gateways()).isZero();
        assertThat(receipt.confirmed()).isZero();
        assertThat(receipt.lagging()).isEmpty();
    }
}
