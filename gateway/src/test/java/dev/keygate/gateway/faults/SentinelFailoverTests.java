package dev.keygate.gateway.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.gateway.testing.TestGateway;
import dev.keygate.test.redis.RedisNodeProcess;
import dev.keygate.test.redis.RedisSentinelSetup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two gateways on Redis Sentinel ({@code spring.data.redis.sentinel.*}: one master, two replicas,
 * three Sentinels) under continuous traffic while the master fails over. Keys are removed after the
 * failover through a key store on its own Sentinel-configured connection factory (what the admin
 * API does). Bounds are short: poll 200 ms, max-staleness 2 s. Asserted: no request sent more than
 * max-staleness after a removal returned is accepted; both gateways and the store follow the new
 * master without a restart; valid keys, cached or not, are served again. Printed: recovery times
 * and the longest acceptance after removal.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SentinelFailoverTests {

    private static final Duration MAX_STALENESS = Faults.MAX_STALENESS;

    @RegisterExtension
    static final GatewayFixture fixture =
            Faults.fixture(
                            () -> RedisSentinelSetup.start(2),
                            sentinel ->
                                    Map.of(
                                            "spring.data.redis.sentinel.master",
                                            sentinel.masterName(),
                                            "spring.data.redis.sentinel.nodes",
                                            sentinel.sentinelNodes()),
                            sentinel ->
                                    TestKeys.sentinel(
                                            sentinel.masterName(), sentinel.sentinelNodes()))
                    .instances(2)
                    .build();

    private RedisSentinelSetup redis;
    private List<TestGateway> gateways;
    private TestKeys keys;

    @BeforeAll
    void start() {
        redis = fixture.redis();
        gateways = fixture.gateways();
        keys = fixture.keys();
    }

    @Test
    @Order(1)
    void killedMasterIsReplacedAndRemovedKeysAreStillRefusedWithinMaxStaleness() {
        failOver("master-killed", redis::killMaster);
    }

    @Test
    @Order(2)
    void sentinelFailoverIsFollowedAndRemovedKeysAreStillRefusedWithinMaxStaleness() {
        failOver("sentinel-failover", redis::failover);
    }

    private void failOver(String name, Supplier<RedisNodeProcess> fault) {
        // an earlier fault may still be settling: keys written to a deposed master would be lost
        redis.awaitSettled();
        List<IssuedKey> valid = create(4);
        List<IssuedKey> doomed = create(6);
        List<IssuedKey> fresh = create(150);
        for (TestGateway gateway : gateways) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(gateway::isSubscribed);
            for (IssuedKey key : concat(valid, doomed)) {
                Http.until(
                        gateway.port(), key.key(), 200, System.nanoTime(), Duration.ofSeconds(10));
            }
        }
        Traffic traffic = new Traffic(gateways.stream().map(TestGateway::port).toList());
        Map<String, Long> removedAt;
        long faultAt;
        long switchedAt;
        RedisNodeProcess old = redis.currentMaster();
        RedisNodeProcess promoted;
        try {
            concat(valid, doomed).forEach(key -> traffic.keys.add(key.key()));
            traffic.awaitEveryKeySent();
            fresh.forEach(key -> traffic.freshKeys.add(key.key()));
            faultAt = System.nanoTime();
            promoted = fault.get();
            switchedAt = System.nanoTime();
            // the admin side: removals after the failover, retried until the store follows
            removedAt = Removal.removeAll(keys, doomed, "sentinel/" + name);
            // an observation window, not a wait for a state: keep the traffic going well past the
            // bound to catch any late acceptance
            LockSupport.parkNanos(MAX_STALENESS.plusSeconds(1).toNanos());
        } finally {
            traffic.close();
        }
        List<Traffic.Sample> samples = traffic.samples();

        Duration maxAcceptance = Traffic.maxAcceptanceAfterRemoval(samples, removedAt);
        long late = Traffic.acceptedLongAfterRemoval(samples, removedAt, MAX_STALENESS);
        List<String> validKeys = valid.stream().map(IssuedKey::key).toList();
        System.out.printf(
                "[fault/sentinel/%s] master %s -> %s in %d ms (Sentinels agree); store's first"
                        + " removal returned %d ms after the fault%n",
                name,
                old,
                promoted,
                (switchedAt - faultAt) / 1_000_000,
                (Removal.first(removedAt) - faultAt) / 1_000_000);
        for (TestGateway gateway : gateways) {
            int port = gateway.port();
            Duration cached =
                    Traffic.recovery(
                            samples,
                            faultAt,
                            s -> s.port() == port && !s.fresh() && validKeys.contains(s.key()));
            Duration uncached =
                    Traffic.recovery(samples, faultAt, s -> s.port() == port && s.fresh());
            System.out.printf(
                    "[fault/sentinel/%s] gateway :%d recovery after the fault: cached key %s,"
                            + " uncached key %s; cached-key answers after the fault %s;"
                            + " uncached %s%n",
                    name,
                    port,
                    cached.isNegative() ? "never" : cached.toMillis() + " ms",
                    uncached.isNegative() ? "never" : uncached.toMillis() + " ms",
                    Traffic.statuses(
                            samples,
                            faultAt,
                            s -> s.port() == port && !s.fresh() && validKeys.contains(s.key())),
                    Traffic.statuses(samples, faultAt, s -> s.port() == port && s.fresh()));
        }
        System.out.printf(
                "[fault/sentinel/%s] removed keys: max acceptance after removal %s (bound %d ms),"
                        + " accepted beyond the bound: %d, requests with removed keys after"
                        + " removal: %d%n",
                name,
                maxAcceptance.isNegative() ? "none" : maxAcceptance.toMillis() + " ms",
                MAX_STALENESS.toMillis(),
                late,
                samples.stream()
                        .filter(s -> removedAt.containsKey(s.key()))
                        .filter(s -> s.sentAt() > removedAt.get(s.key()))
                        .count());
        assertThat(late).as("requests accepted beyond max-staleness after removal").isZero();
        // a key created on the new master is accepted: both gateways read from it
        IssuedKey created = create(1).get(0);
        for (TestGateway gateway : gateways) {
            Http.until(
                    gateway.port(), created.key(), 200, System.nanoTime(), Duration.ofSeconds(10));
            for (IssuedKey key : doomed) {
                assertThat(Http.status(gateway.port(), key.key())).isEqualTo(401);
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(gateway::isSubscribed);
        }
        for (TestGateway gateway : gateways) {
            int port = gateway.port();
            assertThat(
                            Traffic.recovery(samples, faultAt, s -> s.port() == port && s.fresh())
                                    .isNegative())
                    .as("uncached valid keys served again")
                    .isFalse();
        }
    }

    private List<IssuedKey> create(int count) {
        return Faults.create(keys, "acct-s", count);
    }

    private static List<IssuedKey> concat(List<IssuedKey> a, List<IssuedKey> b) {
        List<IssuedKey> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
