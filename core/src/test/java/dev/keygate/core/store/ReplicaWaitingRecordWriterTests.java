package dev.keygate.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.key.KeyStatus;
import dev.keygate.test.redis.RedisNodeProcess;
import dev.keygate.test.redis.RedisSentinelSetup;
import dev.keygate.test.time.MutableClock;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * {@link ReplicaWaitingRecordWriter} on a real master with two real replicas (the data nodes of a
 * Sentinel set-up, reached directly as a standalone master).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicaWaitingRecordWriterTests {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration WAIT_TIMEOUT = Duration.ofMillis(300);

    private RedisSentinelSetup redis;
    private RedisNodeProcess master;
    private LettuceConnectionFactory connectionFactory;
    private RedisClient client;
    private ReplicaWaitingRecordWriter writer;
    private RedisKeyStore store;

    @BeforeAll
    void startRedis() {
        redis = RedisSentinelSetup.start(2);
        master = redis.currentMaster();
    }

    @AfterAll
    void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void connect() {
        master.command("FLUSHALL");
        connectionFactory = new LettuceConnectionFactory(master.host(), master.port());
        connectionFactory.afterPropertiesSet();
        connectionFactory.start();
        client = RedisClient.create(RedisURI.create(master.host(), master.port()));
        writer = new ReplicaWaitingRecordWriter(client, 2, WAIT_TIMEOUT, 2);
        store =
                new RedisKeyStore(
                        new ReactiveStringRedisTemplate(connectionFactory),
                        writer,
                        RedisKeyspace.defaults(),
                        new ApiKeyGenerator(ApiKeyFormat.defaults(), new SecureRandom()),
                        new MutableClock(T0));
    }

    @AfterEach
    void disconnect() {
        writer.close();
        client.shutdown();
        connectionFactory.destroy();
    }

    @Test
    void everyChangeReportsTheReplicasThatConfirmedIt() {
        ReplicaAcknowledgement all = new ReplicaAcknowledgement(2, 2);

        IssuedKey created = store.create(newKey()).block();
        assertThat(created.replicas()).isEqualTo(all);
        String id = created.record().id();

        IssuedKey rotated = store.rotate(id, Duration.ZERO).block();
        assertThat(rotated.replicas()).isEqualTo(all);
        assertThat(rotated.record().version()).isEqualTo(2);

        KeyChange updated =
                store.update(id, new KeyUpdate("renamed", null, null, null, Boolean.FALSE, null))
                        .block();
        assertThat(updated.replicas()).isEqualTo(all);
        assertThat(updated.record().name()).isEqualTo("renamed");

        KeyChange removed = store.remove(id).block();
        assertThat(removed.replicas()).isEqualTo(all);
        assertThat(store.findById(id).blockOptional()).isEmpty();
    }

    @Test
    void frozenReplicaIsReportedAsAShortfallAndTheChangeIsStillMadeAndAnnounced() {
        IssuedKey created = store.create(newKey()).block();
        long epochBefore = store.currentEpoch().block();
        RedisNodeProcess replica =
                redis.dataNodes().stream().filter(node -> node != master).findFirst().orElseThrow();
        replica.freeze();
        try {
            KeyChange removed = store.remove(created.record().id()).block();

            assertThat(removed.replicas()).isEqualTo(new ReplicaAcknowledgement(2, 1));
            assertThat(removed.replicas().shortfall()).isTrue();
            assertThat(removed.epoch()).isGreaterThan(epochBefore);
            assertThat(store.currentEpoch().block()).isEqualTo(removed.epoch());
            assertThat(store.findById(created.record().id()).blockOptional()).isEmpty();
        } finally {
            replica.resume();
        }
    }

    @Test
    void concurrentChangesEachWaitOnTheirOwnAndAllAreConfirmed() {
        List<String> ids =
                reactor.core.publisher.Flux.range(0, 8)
                        .flatMap(i -> store.create(newKey()))
                        .map(issued -> issued.record().id())
                        .collectList()
                        .block();
        List<ReplicaAcknowledgement> acks =
                reactor.core.publisher.Flux.fromIterable(ids)
                        .flatMap(id -> store.rotate(id, Duration.ZERO))
                        .map(IssuedKey::replicas)
                        .collectList()
                        .block();

        assertThat(acks).hasSize(8).containsOnly(new ReplicaAcknowledgement(2, 2));
        assertThat(ids)
                .allSatisfy(
                        id ->
                                assertThat(store.findById(id).block().status(T0))
                                        .isEqualTo(KeyStatus.ACTIVE));
    }

    private static NewKey newKey() {
        return new NewKey("acct-1", "ci", Set.of("orders:read"), Set.of(), null, Map.of());
    }
}
