package dev.keygate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.limit.Quota;
import dev.keygate.core.limit.UsageLimits;
import dev.keygate.core.node.GatewayFleet;
import dev.keygate.core.node.RedisGatewayRegistry;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.KeyChange;
import dev.keygate.core.store.KeyUpdate;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.core.store.ReplicaWaitingRecordWriter;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.core.usage.RedisUsageStore;
import dev.keygate.core.usage.UsageProperties;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.test.redis.RedisAclFile;
import dev.keygate.test.redis.RedisProcess;
import dev.keygate.test.redis.RespClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;

/**
 * The Redis users Keygate ships ({@code deploy/redis/users.acl}, rendered by {@code
 * deploy/redis/render-acl.sh}) on a real redis-server: the runnable gateway works as {@code
 * keygate-gateway} with the properties the deployments set (spring.data.redis.host, port, username,
 * password), the key store works as {@code keygate-admin}, and the gateway's credentials cannot
 * write anything. Every test that expects no refusal also checks Redis' own ACL LOG, so a command
 * refused in the background (a poll whose error is only logged at debug) cannot go unnoticed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisAclTests {

    @RegisterExtension
    static final GatewayFixture fixture =
            GatewayFixture.builder()
                    .redis(AclRedis::launch, AclRedis::gatewayProperties, AclRedis::adminKeys)
                    .property("keygate.gateway.invalidation.poll-interval", "100ms")
                    .property("keygate.gateway.usage.flush-interval", "100ms")
                    .build();

    /**
     * A redis-server with the users Keygate ships: the rendered file (passwords, the ACL LOG) and
     * the process. The gateway connects as keygate-gateway with the deployments' properties, the
     * key store (the admin side) as keygate-admin.
     */
    private record AclRedis(RedisAclFile acl, RedisProcess process) implements AutoCloseable {

        static AclRedis launch() {
            try {
                RedisAclFile acl = RedisAclFile.render(Files.createTempDirectory("keygate-acl"));
                return new AclRedis(acl, RedisProcess.launch(acl.serverArgs()));
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }

        Map<String, String> gatewayProperties() {
            return Map.of(
                    "spring.data.redis.host",
                    process.host(),
                    "spring.data.redis.port",
                    Integer.toString(process.port()),
                    "spring.data.redis.username",
                    RedisAclFile.GATEWAY_USER,
                    "spring.data.redis.password",
                    acl.password(RedisAclFile.GATEWAY_USER));
        }

        TestKeys adminKeys() {
            RedisStandaloneConfiguration admin =
                    new RedisStandaloneConfiguration(process.host(), process.port());
            admin.setUsername(RedisAclFile.ADMIN_USER);
            admin.setPassword(acl.password(RedisAclFile.ADMIN_USER));
            return TestKeys.on(admin);
        }

        @Override
        public void close() {
            process.close();
        }
    }

    private static RedisAclFile acl() {
        return fixture.<AclRedis>redis().acl();
    }

    private static RedisProcess redis() {
        return fixture.<AclRedis>redis().process();
    }

    @BeforeEach
    void forgetEarlierDenials() {
        acl().resetDenials(redis());
    }

    @Test
    void gatewayRunsAsItsAclUser() {
        IssuedKey key = create("acct-acl-1");
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> status(key.key()) == 200);
        fixture.gateway().readiness().expectStatus().isOk();
        assertThat(
                        fixture.gateway()
                                .client()
                                .get()
                                .uri("/x")
                                .exchange()
                                .returnResult(String.class)
                                .getStatus()
                                .value())
                .isEqualTo(401);
        // Several epoch polls (every 100 ms), the subscription, the health check: none refused.
        await().pollDelay(Duration.ofMillis(500)).until(() -> true);
        assertThat(acl().denials(redis())).isEmpty();
        try (RespClient operator = acl().connect(redis(), RedisAclFile.OPERATOR_USER)) {
            String clients = String.valueOf(operator.command("CLIENT", "LIST"));
            assertThat(clients).contains("user=" + RedisAclFile.GATEWAY_USER);
            assertThat(clients).contains("cmd=subscribe");
        }
    }

    @Test
    void gatewayUserReportsItsNodeAndTheAdminUserReadsTheRegistry() {
        IssuedKey key = create("acct-acl-node");
        RedisGatewayRegistry registry =
                new RedisGatewayRegistry(fixture.keys().template(), RedisKeyspace.defaults());
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            GatewayFleet fleet = registry.read().block(Duration.ofSeconds(5));
                            return fleet.nodes().size() == 1
                                    && fleet.nodes().get(0).hasApplied(fleet.epoch())
                                    && fleet.epoch() >= key.epoch();
                        });
        assertThat(acl().denials(redis())).isEmpty();
        try (RespClient gatewayUser = acl().connect(redis(), RedisAclFile.GATEWAY_USER)) {
            // it publishes on the applied channel (its selector), and only there: forged
            // invalidations stay refused (gatewayUserCannotWriteKeyRecords)
            assertThat(gatewayUser.command("PUBLISH", "kg:applied", "probe 1")).isNotNull();
            assertThatThrownBy(() -> gatewayUser.command("PUBLISH", "kg:other", "x"))
                    .hasMessageContaining("NOPERM");
            assertThatThrownBy(
                            () ->
                                    gatewayUser.command(
                                            "EVAL",
                                            "return redis.call('PUBLISH', 'kg:invalidations', '1 x')",
                                            "1",
                                            "kg:gateways:{kg:epoch}"))
                    .hasMessageContaining("publish");
        }
    }

    @Test
    void removalByTheAdminUserReachesTheGateway() {
        IssuedKey key = create("acct-acl-2");
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> status(key.key()) == 200);
        fixture.keys().store().remove(key.record().id()).block(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> status(key.key()) == 401);
        assertThat(acl().denials(redis())).isEmpty();
    }

    @Test
    void adminUserRunsEveryKeyStoreOperation() {
        IssuedKey created = create("acct-acl-3");
        String id = created.record().id();
        IssuedKey rotated =
                fixture.keys()
                        .store()
                        .rotate(id, Duration.ofMinutes(5))
                        .block(Duration.ofSeconds(5));
        assertThat(rotated.record().version()).isEqualTo(2L);
        KeyChange completed =
                fixture.keys().store().completeRotation(id).block(Duration.ofSeconds(5));
        assertThat(completed.record().version()).isEqualTo(3L);
        KeyChange updated =
                fixture.keys()
                        .store()
                        .update(
                                id,
                                KeyUpdate.none()
                                        .withName("renamed")
                                        .withExpiresAt(Optional.empty())
                                        .withMetadata(Map.of("team", "billing")))
                        .block(Duration.ofSeconds(5));
        assertThat(updated.record().name()).isEqualTo("renamed");
        assertThat(
                        fixture.keys()
                                .store()
                                .listByOwner("acct-acl-3", null, 10)
                                .block(Duration.ofSeconds(5))
                                .keys())
                .hasSize(1);
        long epoch = fixture.keys().store().currentEpoch().block(Duration.ofSeconds(5));
        assertThat(
                        fixture.keys()
                                .store()
                                .changesBetween(epoch - 2, epoch)
                                .block(Duration.ofSeconds(5)))
                .hasSize(2);
        assertThat(fixture.keys().store().remove(id).block(Duration.ofSeconds(5))).isNotNull();
        assertThat(fixture.keys().store().findById(id).blockOptional(Duration.ofSeconds(5)))
                .isEmpty();

        // With a replica acknowledgement configured, record scripts go through their own
        // connections and are followed by WAIT (no replica here: 0 acknowledged, not refused).
        RedisClient client =
                RedisClient.create(
                        RedisURI.builder()
                                .withHost(redis().host())
                                .withPort(redis().port())
                                .withAuthentication(
                                        RedisAclFile.ADMIN_USER,
                                        acl().password(RedisAclFile.ADMIN_USER))
                                .build());
        try (ReplicaWaitingRecordWriter writer =
                new ReplicaWaitingRecordWriter(client, 1, Duration.ofMillis(50), 1)) {
            RedisKeyStore waiting =
                    new RedisKeyStore(
                            fixture.keys().template(),
                            writer,
                            RedisKeyspace.defaults(),
                            new ApiKeyGenerator(ApiKeyFormat.defaults(), new SecureRandom()),
                            Clock.systemUTC());
            IssuedKey acknowledged =
                    waiting.create(NewKey.forOwner("acct-acl-3")).block(Duration.ofSeconds(5));
            assertThat(acknowledged.replicas().acknowledged()).isZero();
            waiting.remove(acknowledged.record().id()).block(Duration.ofSeconds(5));
        } finally {
            client.shutdown();
        }
        assertThat(acl().denials(redis())).isEmpty();
    }

    @Test
    void gatewayUserMayReadWhatTheInvalidationProtocolReads() {
        try (RespClient gatewayUser = acl().connect(redis(), RedisAclFile.GATEWAY_USER)) {
            gatewayUser.command("HGETALL", "kg:key:{nosuchid}");
            gatewayUser.command("GET", "kg:epoch");
            gatewayUser.command("MGET", "kg:epoch", "kg:incarnation:{kg:epoch}");
            gatewayUser.command("ZRANGEBYSCORE", "kg:changes:{kg:epoch}", "(0", "+inf");
            gatewayUser.command("ZRANGE", "kg:changes:{kg:epoch}", "0", "-1");
            gatewayUser.command("INFO", "server");
            assertThat(gatewayUser.command("PING")).isEqualTo("PONG");
        }
        assertThat(acl().denials(redis())).isEmpty();
    }

    @Test
    void gatewayUserCannotWriteKeyRecords() {
        IssuedKey key = create("acct-acl-4");
        String record = "kg:key:{" + key.record().id() + "}";
        List<String[]> refused =
                List.of(
                        new String[] {"HSET", record, "owner", "attacker"},
                        new String[] {"HSET", "kg:key:{forged}", "owner", "attacker"},
                        new String[] {"DEL", record},
                        new String[] {"PUBLISH", "kg:invalidations", "1 " + key.record().id()},
                        new String[] {"SET", "kg:epoch", "0"},
                        new String[] {"INCR", "kg:epoch"},
                        new String[] {"ZADD", "kg:changes:{kg:epoch}", "1", "1 x"},
                        new String[] {"ZADD", "kg:owner:{acct-acl-4}", "0", "forged"},
                        new String[] {"XADD", "kg:audit", "*", "action", "forged"},
                        // a gateway may count usage, never raise an owner's limits
                        new String[] {"HSET", "kg:limits:{acct-acl-4}", "quota", "1000000000 day"},
                        new String[] {"DEL", "kg:limits:{acct-acl-4}"},
                        new String[] {
                            "EVAL", "return redis.call('HSET', KEYS[1], 'a', 'b')", "1", record
                        },
                        new String[] {"FLUSHALL"},
                        new String[] {"FLUSHDB"},
                        new String[] {"CONFIG", "SET", "appendonly", "no"},
                        new String[] {"CONFIG", "GET", "requirepass"},
                        new String[] {"ACL", "LIST"},
                        new String[] {"KEYS", "*"},
                        new String[] {"SCAN", "0"},
                        new String[] {"GET", "other:secret"},
                        new String[] {"HGETALL", "session:{1}"},
                        new String[] {"SHUTDOWN", "NOSAVE"},
                        new String[] {"SUBSCRIBE", "other-channel"});
        try (RespClient gatewayUser = acl().connect(redis(), RedisAclFile.GATEWAY_USER)) {
            for (String[] command : refused) {
                assertThatThrownBy(() -> gatewayUser.command(command))
                        .as(String.join(" ", command))
                        .isInstanceOf(RespClient.RedisErrorReply.class)
                        .hasMessageContaining("NOPERM");
            }
        }
        assertThat(
                        fixture.keys()
                                .store()
                                .findById(key.record().id())
                                .block(Duration.ofSeconds(5))
                                .owner())
                .isEqualTo("acct-acl-4");
        // Redis logs every refusal (identical ones as one entry with a count), all as this user.
        List<Map<String, Object>> denials = acl().denials(redis());
        assertThat(denials.stream().mapToLong(d -> ((Number) d.get("count")).longValue()).sum())
                .isEqualTo(refused.size());
        assertThat(denials)
                .allSatisfy(
                        denial ->
                                assertThat(denial)
                                        .containsEntry("username", RedisAclFile.GATEWAY_USER));
    }

    @Test
    void withoutAPasswordOnlyPingIsAllowed() {
        try (RespClient anonymous = RespClient.connect(redis().host(), redis().port())) {
            assertThat(anonymous.command("PING")).isEqualTo("PONG");
            for (String[] command :
                    List.of(
                            new String[] {"GET", "kg:epoch"},
                            new String[] {"HGETALL", "kg:key:{x}"},
                            new String[] {"INFO"},
                            new String[] {"HSET", "kg:key:{x}", "owner", "attacker"})) {
                assertThatThrownBy(() -> anonymous.command(command))
                        .as(String.join(" ", command))
                        .hasMessageContaining("NOPERM");
            }
            assertThatThrownBy(
                            () ->
                                    anonymous.command(
                                            "AUTH", RedisAclFile.GATEWAY_USER, "wrong-password"))
                    .hasMessageContaining("WRONGPASS");
        }
    }

    @Test
    void gatewayUserEnforcesUsageLimitsWritingOnlyTheirCounters() {
        IssuedKey key =
                fixture.keys()
                        .store()
                        .create(
                                NewKey.forOwner("acct-acl-limits")
                                        .withLimits(
                                                UsageLimits.of(
                                                        null, new Quota(2, Quota.Period.DAY))))
                        .block(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> status(key.key()) != 401);
        // the probe above spent one; one left, then the quota refuses
        assertThat(status(key.key())).isEqualTo(200);
        assertThat(status(key.key())).isEqualTo(429);
        assertThat(acl().denials(redis())).isEmpty();
    }

    /**
     * The usage flush (flush.lua: HGET, HSET, HKEYS, HMGET, HDEL, PEXPIRE, INCRBY) runs as the
     * gateway user and writes kg:usage:* only; the admin user reads it back.
     */
    @Test
    void gatewayUserFlushesUsageAndTheAdminUserReadsIt() {
        IssuedKey key = create("acct-acl-usage");
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> status(key.key()) == 200);
        RedisUsageStore usage =
                new RedisUsageStore(
                        fixture.keys().template(),
                        RedisKeyspace.defaults(),
                        UsageProperties.defaults());
        String id = key.record().id();
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () ->
                                usage.seen("acct-acl-usage", id)
                                                .block(Duration.ofSeconds(5))
                                                .lastUsed()
                                        != null);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        assertThat(
                        usage.days("acct-acl-usage", id, today.minusDays(1), today.plusDays(1))
                                .block(Duration.ofSeconds(5)))
                .isNotEmpty();
        assertThat(usage.lastUsed("acct-acl-usage", List.of(id)).block(Duration.ofSeconds(5)))
                .containsKey(id);
        assertThat(acl().denials(redis())).isEmpty();
    }

    private IssuedKey create(String owner) {
        return fixture.keys()
                .store()
                .create(NewKey.forOwner(owner).withScopes(Set.of("orders:read")))
                .block(Duration.ofSeconds(5));
    }

    private int status(String key) {
        return fixture.client()
                .get()
                .uri("/orders")
                .header("Authorization", "Bearer " + key)
                .exchange()
                .returnResult(String.class)
                .getStatus()
                .value();
    }
}
