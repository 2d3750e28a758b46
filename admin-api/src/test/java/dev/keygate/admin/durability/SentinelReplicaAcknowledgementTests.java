package dev.keygate.admin.durability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.admin.AdminApiTestSupport;
import dev.keygate.admin.durability.AdminClient.Answer;
import dev.keygate.test.redis.RedisNodeProcess;
import dev.keygate.test.redis.RedisSentinelSetup;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code wait-for-replicas=2} through Sentinel, on a master with two real replicas: changes are
 * confirmed by both, a frozen replica shows as a shortfall, and after the master is killed the
 * admin API writes to the promoted master and waits for its replicas, without a restart.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "keygate.admin.token=" + AdminApiTestSupport.ADMIN_TOKEN,
            "management.server.port=0",
            "keygate.admin.durability.wait-for-replicas=2",
            "keygate.admin.durability.wait-timeout=300ms"
        })
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SentinelReplicaAcknowledgementTests {

    private static final RedisSentinelSetup redis = RedisSentinelSetup.start(2);

    @LocalServerPort int port;

    private AdminClient admin;

    @DynamicPropertySource
    static void redisProperties(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.sentinel.master", redis::masterName);
        registry.add("spring.data.redis.sentinel.nodes", redis::sentinelNodes);
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void client() {
        admin = new AdminClient(port);
    }

    @Test
    @Order(1)
    void changesAreConfirmedByBothReplicas() {
        Answer created = admin.create();
        assertThat(created.required()).isEqualTo(2);
        assertThat(created.acknowledged()).isEqualTo(2);

        Answer rotated = admin.rotate(created.id());
        assertThat(rotated.status()).isEqualTo(200);
        assertThat(rotated.acknowledged()).isEqualTo(2);
    }

    @Test
    @Order(2)
    void aFrozenReplicaShowsAsAShortfallAndTheChangeIsMade() {
        String id = admin.create().id();
        RedisNodeProcess master = redis.currentMaster();
        RedisNodeProcess replica =
                redis.dataNodes().stream().filter(node -> node != master).findFirst().orElseThrow();
        replica.freeze();
        try {
            Answer rotated = admin.rotate(id);

            assertThat(rotated.status()).isEqualTo(200);
            assertThat(rotated.required()).isEqualTo(2);
            assertThat(rotated.acknowledged()).isEqualTo(1);
            assertThat(admin.version(id)).isEqualTo(2);
        } finally {
            replica.resume();
        }
    }

    @Test
    @Order(3)
    void afterTheMasterIsKilledChangesGoToThePromotedMasterAndWaitForItsReplicas() {
        String id = admin.create().id();
        long started = System.nanoTime();
        RedisNodeProcess promoted = redis.killMaster();
        long promotedMillis = (System.nanoTime() - started) / 1_000_000;

        AtomicReference<Answer> first = new AtomicReference<>();
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(
                        () -> {
                            Answer answer = admin.rotate(id);
                            first.set(answer);
                            return answer.status() == 200;
                        });
        long servedMillis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf(
                "[admin/sentinel/wait] master killed: %s promoted after %d ms; first change"
                        + " confirmed by %d of %d replicas after %d ms%n",
                promoted,
                promotedMillis,
                first.get().acknowledged(),
                first.get().required(),
                servedMillis);

        // the killed master's replica is gone: one replica is left to confirm
        assertThat(first.get().required()).isEqualTo(2);
        assertThat(first.get().acknowledged()).isEqualTo(1);
        // the rotation is on the promoted master (a retried attempt may have rotated twice)
        Object version = promoted.command("HGET", "kg:key:{" + id + "}", "version");
        assertThat(Long.parseLong(String.valueOf(version))).isGreaterThanOrEqualTo(2);
    }
}
