package dev.keygate.admin.durability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.admin.AdminApiTestSupport;
import dev.keygate.admin.durability.AdminClient.Answer;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.test.redis.RedisClusterSetup;
import dev.keygate.test.redis.RedisNodeProcess;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code wait-for-replicas=1} on a 3-master Redis Cluster with one replica each: the {@code WAIT}
 * must reach the master of the record's slot, on the connection that wrote it. Freezing that
 * master's replica must show as a shortfall for keys on that master and for no others (a {@code
 * WAIT} sent to another node would count that node's replica and hide the shortfall).
 */
@EnabledIf(
        value = "dev.keygate.test.redis.RedisClusterSetup#isAvailable",
        disabledReason = "no redis-cli here: Cluster tests skipped; CI installs it and runs them")
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "keygate.admin.token=" + AdminApiTestSupport.ADMIN_TOKEN,
            "management.server.port=0",
            "keygate.admin.durability.wait-for-replicas=1",
            "keygate.admin.durability.wait-timeout=300ms",
            "spring.data.redis.lettuce.cluster.refresh.period=1s"
        })
class ClusterReplicaAcknowledgementTests {

    private static RedisClusterSetup redis;

    @LocalServerPort int port;

    private static synchronized RedisClusterSetup redis() {
        if (redis == null) {
            redis = RedisClusterSetup.start(1);
        }
        return redis;
    }

    @DynamicPropertySource
    static void redisProperties(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.cluster.nodes", () -> redis().clusterNodes());
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void theWaitGoesToTheMasterOfTheRecordsSlot() {
        AdminClient admin = new AdminClient(port);
        RedisKeyspace keyspace = RedisKeyspace.defaults();
        List<Answer> created = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            created.add(admin.create());
        }
        assertThat(created).allSatisfy(answer -> assertThat(answer.acknowledged()).isEqualTo(1));

        RedisNodeProcess frozenMaster =
                redis.masterOf(redis.slot(keyspace.key(created.get(0).id())));
        List<String> onFrozen = new ArrayList<>();
        List<String> elsewhere = new ArrayList<>();
        for (Answer answer : created) {
            RedisNodeProcess master = redis.masterOf(redis.slot(keyspace.key(answer.id())));
            (master == frozenMaster ? onFrozen : elsewhere).add(answer.id());
        }
        assertThat(elsewhere).as("keys spread over more than one master").isNotEmpty();

        RedisNodeProcess replica = redis.replicaOf(frozenMaster);
        replica.freeze();
        try {
            for (String id : onFrozen) {
                Answer rotated = admin.rotate(id);
                assertThat(rotated.status()).isEqualTo(200);
                assertThat(rotated.acknowledged()).as("key %s on %s", id, frozenMaster).isZero();
            }
            for (String id : elsewhere) {
                Answer rotated = admin.rotate(id);
                assertThat(rotated.status()).isEqualTo(200);
                assertThat(rotated.acknowledged()).as("key %s", id).isEqualTo(1);
            }
        } finally {
            replica.resume();
        }
        System.out.printf(
                "[admin/cluster/wait] %d keys on %s (replica frozen): 0 of 1 acknowledged; %d"
                        + " keys elsewhere: 1 of 1%n",
                onFrozen.size(), frozenMaster, elsewhere.size());
    }

    @Test
    void aChangeAfterItsSlotMovedFollowsTheSlotAndWaitsThere() {
        AdminClient admin = new AdminClient(port);
        RedisKeyspace keyspace = RedisKeyspace.defaults();
        String id = admin.create().id();
        String recordKey = keyspace.key(id);
        int slot = redis.slot(recordKey);
        RedisNodeProcess from = redis.masterOf(slot);
        RedisNodeProcess to =
                redis.masters().stream().filter(node -> node != from).findFirst().orElseThrow();

        redis.moveSlot(slot, to);
        // the writer's topology still names the old master: it gets MOVED, refreshes, retries
        Answer rotated = admin.rotate(id);

        assertThat(rotated.status()).isEqualTo(200);
        assertThat(rotated.acknowledged()).isEqualTo(1);
        assertThat(to.command("HGET", recordKey, "version")).isEqualTo("2");
        System.out.printf(
                "[admin/cluster/wait] slot %d moved %s -> %s: the next change was made on %s and"
                        + " confirmed by 1 of 1%n",
                slot, from, to, to);
    }
}
