package dev.keygate.gateway.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.KeyPage;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.gateway.testing.Probe;
import dev.keygate.gateway.testing.TestGateway;
import dev.keygate.test.redis.RedisClusterSetup;
import dev.keygate.test.redis.RedisNodeProcess;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * A gateway on a 3-master Redis Cluster with one replica each ({@code
 * spring.data.redis.cluster.nodes}, adaptive and periodic topology refresh), keys written by a key
 * store on its own cluster connection factory. Shown: records spread over slots and masters, the
 * epoch and the invalidation channel work across the cluster (a {@code PUBLISH} on any node reaches
 * the gateway's subscription), listing by owner works; and the same guarantees while slots holding
 * a key and the epoch move to another master, and while the master holding the gateway's
 * subscription is killed and its replica takes over. Bounds: poll 200 ms, max-staleness 2 s.
 *
 * <p>Two tests pin bugs these tests found: removals right after a failover that were never
 * announced (now announced on retry too), and a start-up deadlock plus missing topology refresh on
 * the runnable gateway's cluster settings.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTests {

    private static final Duration MAX_STALENESS = Faults.MAX_STALENESS;
    private static final String RECEIVED = "keygate.invalidations.received";

    @RegisterExtension
    static final GatewayFixture fixture =
            Faults.fixture(
                            ClusterTests::startCluster,
                            cluster ->
                                    Map.of(
                                            "spring.data.redis.cluster.nodes",
                                            cluster.clusterNodes(),
                                            "spring.data.redis.lettuce.cluster.refresh.adaptive",
                                            "true",
                                            "spring.data.redis.lettuce.cluster.refresh.period",
                                            "1s"),
                            cluster -> TestKeys.cluster(cluster.clusterNodes()))
                    .build();

    private RedisClusterSetup redis;
    private TestGateway gateway;
    private TestKeys keys;

    /** Three masters with a replica each, or the class is skipped where no Cluster can be made. */
    private static RedisClusterSetup startCluster() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                RedisClusterSetup.isAvailable(),
                "no redis-cli here (apt-get install redis-server, or brew install redis): Cluster"
                        + " tests skipped; CI installs it and runs them");
        long started = System.nanoTime();
        RedisClusterSetup cluster = RedisClusterSetup.start(1);
        System.out.printf(
                "[fault/cluster/setup] 3 masters + 3 replicas ready in %d ms%n",
                (System.nanoTime() - started) / 1_000_000);
        return cluster;
    }

    @BeforeAll
    void awaitTheSubscription() {
        redis = fixture.redis();
        gateway = fixture.gateway();
        keys = fixture.keys();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(gateway::isSubscribed);
    }

    @Test
    @Order(1)
    void aKeysAndItsOwnersLimitsAreCheckedInOneScriptOnTheOwnersSlot() {
        String owner = "acct-c-limits";
        keys.store()
                .setOwnerLimits(
                        owner,
                        dev.keygate.core.limit.UsageLimits.of(
                                null,
                                new dev.keygate.core.limit.Quota(
                                        3, dev.keygate.core.limit.Quota.Period.DAY)))
                .block(Duration.ofSeconds(5));
        List<IssuedKey> two = create(owner, 2);
        // the two records are (almost surely) on other slots than the owner's counters
        System.out.printf(
                "[fault/cluster/limits] records on slots %d and %d, the owner's counters on %d%n",
                redis.slot("kg:key:{" + two.get(0).record().id() + "}"),
                redis.slot("kg:key:{" + two.get(1).record().id() + "}"),
                redis.slot("kg:usage:{" + owner + "}:o:quota"));
        Http.until(
                gateway.port(), two.get(0).key(), 200, System.nanoTime(), Duration.ofSeconds(10));

        List<Integer> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            statuses.add(Http.status(gateway.port(), two.get(i % 2).key()));
        }

        // the probe above spent one of the owner's three: two more, then the quota refuses
        assertThat(statuses).containsExactly(200, 200, 429, 429);
    }

    @Test
    @Order(1)
    void recordsSpreadOverSlotsAndMastersAndAreServedListedAndRevoked() {
        List<IssuedKey> mine = create("acct-c1", 30);
        List<IssuedKey> theirs = create("acct-c2", 5);
        Set<Integer> slots = new HashSet<>();
        Set<RedisNodeProcess> masters = new HashSet<>();
        for (IssuedKey key : mine) {
            int slot = redis.slot("kg:key:{" + key.record().id() + "}");
            slots.add(slot);
            masters.add(redis.masterOf(slot));
        }
        System.out.printf(
                "[fault/cluster/spread] 30 records on %d slots over %d masters; kg:epoch on slot %d"
                        + " (%s), kg:owner:{acct-c1} on slot %d (%s)%n",
                slots.size(),
                masters.size(),
                redis.slot("kg:epoch"),
                redis.masterOf(redis.slot("kg:epoch")),
                redis.slot("kg:owner:{acct-c1}"),
                redis.masterOf(redis.slot("kg:owner:{acct-c1}")));
        assertThat(slots).hasSizeGreaterThan(20);
        assertThat(masters).hasSize(3);

        for (IssuedKey key : mine) {
            Http.until(gateway.port(), key.key(), 200, System.nanoTime(), Duration.ofSeconds(10));
        }
        assertThat(listIds("acct-c1", 7))
                .containsExactlyInAnyOrderElementsOf(
                        mine.stream().map(k -> k.record().id()).toList());
        assertThat(listIds("acct-c2", 2))
                .containsExactlyInAnyOrderElementsOf(
                        theirs.stream().map(k -> k.record().id()).toList());

        double before = gateway.count(RECEIVED);
        List<Duration> refused = new ArrayList<>();
        for (IssuedKey key : mine.subList(0, 10)) {
            keys.store().remove(key.record().id()).block(Duration.ofSeconds(5));
            long returned = System.nanoTime();
            refused.add(
                    Http.until(gateway.port(), key.key(), 401, returned, Duration.ofSeconds(10)));
        }
        double delivered = gateway.count(RECEIVED) - before;
        System.out.printf(
                "[fault/cluster/revocation] removal refused after %s; pub/sub messages received"
                        + " %.0f of 10%n",
                Probe.summary(refused), delivered);
        assertThat(delivered).isGreaterThanOrEqualTo(10);
        assertThat(listIds("acct-c1", 7)).hasSize(20);
    }

    @Test
    @Order(2)
    void publishOnAnyNodeReachesTheGatewaysSubscription() {
        IssuedKey key = create("acct-c3", 1).get(0);
        RedisNodeProcess subscriberNode = subscriberNode();
        RedisNodeProcess epochMaster = redis.masterOf(redis.slot("kg:epoch"));
        List<String> figures = new ArrayList<>();
        for (RedisNodeProcess node : redis.nodes()) {
            double before = gateway.count(RECEIVED);
            long epoch = (Long) epochMaster.command("INCR", "kg:epoch");
            long sent = System.nanoTime();
            node.command("PUBLISH", "kg:invalidations", epoch + " " + key.record().id());
            Awaitility.await()
                    .atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(1))
                    .until(() -> gateway.count(RECEIVED) > before);
            figures.add(node + "=" + (System.nanoTime() - sent) / 100_000 / 10.0 + "ms");
        }
        System.out.printf(
                "[fault/cluster/publish-any-node] subscriber on %s; delivery per publishing node:"
                        + " %s%n",
                subscriberNode, String.join(", ", figures));
    }

    @Test
    @Order(3)
    void movingTheSlotsOfAKeyAndOfTheEpochKeepsTheGuarantees() {
        List<IssuedKey> valid = create("acct-c4", 3);
        List<IssuedKey> doomed = create("acct-c4", 4);
        Scenario scenario =
                new Scenario(
                        "slot-moved",
                        gateway,
                        valid,
                        doomed,
                        () -> {
                            List<String> moved = new ArrayList<>();
                            for (String redisKey :
                                    List.of(
                                            "kg:key:{" + valid.get(0).record().id() + "}",
                                            "kg:key:{" + doomed.get(0).record().id() + "}",
                                            "kg:epoch")) {
                                int slot = redis.slot(redisKey);
                                RedisNodeProcess from = redis.masterOf(slot);
                                RedisNodeProcess to =
                                        redis.masters().stream()
                                                .filter(m -> m != from)
                                                .findFirst()
                                                .orElseThrow();
                                long start = System.nanoTime();
                                redis.moveSlot(slot, to);
                                moved.add(
                                        String.format(
                                                "slot %d (%s) %s->%s in %d ms",
                                                slot,
                                                redisKey.startsWith("kg:epoch") ? "epoch" : "key",
                                                from,
                                                to,
                                                (System.nanoTime() - start) / 1_000_000));
                            }
                            return String.join("; ", moved);
                        });
        scenario.run();
    }

    @Test
    @Order(4)
    void killingTheMasterHoldingTheSubscriptionKeepsTheGuaranteesForRemovalsRightAfterIt() {
        killSubscriptionMaster("master-killed", false);
    }

    @Test
    @Order(5)
    void killingTheMasterHoldingTheSubscriptionKeepsTheGuaranteesOnceTheStoreHasTheNewTopology() {
        // removals once the store's topology (refreshed every second) names the new master, so no
        // removal fails half-way (see the test above for what happens otherwise)
        killSubscriptionMaster("master-killed-settled", true);
    }

    private void killSubscriptionMaster(String name, boolean awaitStoreTopology) {
        restoreAll();
        List<IssuedKey> valid = create("acct-c5", 3);
        List<IssuedKey> doomed = create("acct-c5", 4);
        RedisNodeProcess subscriberNode = subscriberNode();
        if (!redis.masters().contains(subscriberNode)) {
            // make the subscription's node a master, so that killing it fails over a master
            redis.failover(masterOfReplica(subscriberNode));
        }
        new Scenario(
                        name,
                        gateway,
                        valid,
                        doomed,
                        () ->
                                "killed master "
                                        + subscriberNode
                                        + " (held the subscription), promoted "
                                        + redis.killMaster(subscriberNode))
                .awaitStoreTopologyBeforeRemovals(awaitStoreTopology)
                .run();
        System.out.printf("[fault/cluster/%s] subscription now on %s%n", name, subscriberNode());
    }

    /** Restarts killed nodes (they rejoin as replicas) and waits until all are in sync. */
    private void restoreAll() {
        for (RedisNodeProcess node : redis.nodes()) {
            if (!node.isRunning()) {
                node.start();
            }
        }
        redis.awaitConsistent();
        redis.awaitReplicasInSync();
    }

    @Test
    @Order(6)
    void gatewayWithItsDefaultClusterSettingsStartsAtOnceAndFollowsAMasterFailover() {
        restoreAll();
        // only the nodes: whatever else the runnable gateway's defaults say (topology refresh).
        // Regression: the first start used to deadlock on Cluster (subscriber callback on the
        // I/O thread vs. the lazily opened shared connection), so one start must serve at once.
        Map<String, String> onDefaults = new LinkedHashMap<>(Faults.GATEWAY_PROPERTIES);
        onDefaults.put("keygate.gateway.upstream-uri", fixture.upstreamUri());
        onDefaults.put("spring.data.redis.cluster.nodes", redis.clusterNodes());
        TestGateway defaults = null;
        for (int attempt = 1; defaults == null; attempt++) {
            TestGateway candidate = TestGateway.start(onDefaults);
            IssuedKey probe = create("acct-c7", 1).get(0);
            try {
                Http.until(
                        candidate.port(),
                        probe.key(),
                        200,
                        System.nanoTime(),
                        Duration.ofSeconds(10));
                defaults = candidate;
            } catch (AssertionError ex) {
                Diagnostics.printStuckThreads(
                        "gateway start " + attempt + " serves nothing: deadlocked?");
                candidate.close();
                if (attempt == 1) {
                    throw new AssertionError("the gateway started but serves nothing", ex);
                }
            }
        }
        try (TestGateway gatewayOnDefaults = defaults) {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(20))
                    .until(gatewayOnDefaults::isSubscribed);
            List<IssuedKey> valid = create("acct-c7", 6);
            List<IssuedKey> doomed = create("acct-c7", 4);
            RedisNodeProcess victim =
                    redis.masterOf(redis.slot("kg:key:{" + valid.get(0).record().id() + "}"));
            new Scenario(
                            "master-killed-boot-defaults",
                            gatewayOnDefaults,
                            valid,
                            doomed,
                            () ->
                                    "killed master "
                                            + victim
                                            + " (holds a valid key), promoted "
                                            + redis.killMaster(victim))
                    .awaitStoreTopologyBeforeRemovals(true)
                    .run();
        }
    }

    /** The node holding the gateway's pub/sub connection ({@code CLIENT LIST TYPE pubsub}). */
    private RedisNodeProcess subscriberNode() {
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(gateway::isSubscribed);
        for (RedisNodeProcess node : redis.nodes()) {
            if (node.isRunning()
                    && !String.valueOf(node.command("CLIENT", "LIST", "TYPE", "pubsub"))
                            .isBlank()) {
                return node;
            }
        }
        throw new AssertionError("no node holds a pub/sub client");
    }

    private RedisNodeProcess masterOfReplica(RedisNodeProcess replica) {
        for (RedisNodeProcess master : redis.masters()) {
            if (redis.replicaOf(master) == replica) {
                return master;
            }
        }
        throw new AssertionError(replica + " replicates no running master");
    }

    /**
     * Traffic on valid and doomed keys, the fault, then the doomed keys removed (retried until the
     * store follows), traffic kept up past the bound; then the figures, then the assertions.
     */
    private final class Scenario {
        private final String name;
        private final TestGateway gateway;
        private final List<IssuedKey> valid;
        private final List<IssuedKey> doomed;
        private final Supplier<String> fault;
        private boolean awaitStoreTopology;

        Scenario(
                String name,
                TestGateway gateway,
                List<IssuedKey> valid,
                List<IssuedKey> doomed,
                Supplier<String> fault) {
            this.name = name;
            this.gateway = gateway;
            this.valid = valid;
            this.doomed = doomed;
            this.fault = fault;
        }

        /**
         * Whether the removals wait until the store's topology names the masters the cluster agrees
         * on (default: no, they start right after the fault).
         */
        Scenario awaitStoreTopologyBeforeRemovals(boolean await) {
            this.awaitStoreTopology = await;
            return this;
        }

        void run() {
            int port = gateway.port();
            List<IssuedKey> fresh = create("acct-fresh", 100);
            List<IssuedKey> all = new ArrayList<>(valid);
            all.addAll(doomed);
            try {
                for (IssuedKey key : all) {
                    Http.until(port, key.key(), 200, System.nanoTime(), Duration.ofSeconds(10));
                }
            } catch (AssertionError ex) {
                Diagnostics.printStuckThreads(name + ": valid keys not served before the fault");
                throw ex;
            }
            Traffic traffic = new Traffic(List.of(port));
            Map<String, Long> removedAt;
            long faultAt;
            long doneAt;
            String what;
            double receivedBefore;
            try {
                all.forEach(key -> traffic.keys.add(key.key()));
                traffic.awaitEveryKeySent();
                fresh.forEach(key -> traffic.freshKeys.add(key.key()));
                faultAt = System.nanoTime();
                what = fault.get();
                doneAt = System.nanoTime();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(gateway::isSubscribed);
                if (awaitStoreTopology) {
                    Awaitility.await()
                            .atMost(Duration.ofSeconds(30))
                            .pollInterval(Duration.ofMillis(100))
                            .until(() -> storeFollowsTheMasters(doomed));
                }
                receivedBefore = gateway.count(RECEIVED);
                removedAt = Removal.removeAll(keys, doomed, "cluster/" + name);
                // an observation window, not a wait for a state: traffic goes on past the bound,
                // long enough to see whether the gateway recovers at all
                LockSupport.parkNanos(MAX_STALENESS.plusSeconds(4).toNanos());
            } finally {
                traffic.close();
            }
            double delivered = gateway.count(RECEIVED) - receivedBefore;
            List<Traffic.Sample> samples = traffic.samples();
            List<String> validKeys = valid.stream().map(IssuedKey::key).toList();
            Duration maxAcceptance = Traffic.maxAcceptanceAfterRemoval(samples, removedAt);
            long late = Traffic.acceptedLongAfterRemoval(samples, removedAt, MAX_STALENESS);
            Duration cached = Traffic.recovery(samples, faultAt, s -> validKeys.contains(s.key()));
            Duration uncached = Traffic.recovery(samples, faultAt, Traffic.Sample::fresh);
            System.out.printf(
                    "[fault/cluster/%s] %s; fault took %d ms; store's first removal returned %d ms"
                            + " after the fault%n",
                    name,
                    what,
                    (doneAt - faultAt) / 1_000_000,
                    (Removal.first(removedAt) - faultAt) / 1_000_000);
            System.out.printf(
                    "[fault/cluster/%s] recovery after the fault: cached key %s, uncached key %s"
                            + " (last refusals at +%d / +%d ms, traffic until +%d ms);"
                            + " cached-key answers %s, uncached %s%n",
                    name,
                    cached.isNegative() ? "never" : cached.toMillis() + " ms",
                    uncached.isNegative() ? "never" : uncached.toMillis() + " ms",
                    Traffic.lastRefusal(samples, faultAt, s -> validKeys.contains(s.key()))
                            .toMillis(),
                    Traffic.lastRefusal(samples, faultAt, Traffic.Sample::fresh).toMillis(),
                    (samples.get(samples.size() - 1).sentAt() - faultAt) / 1_000_000,
                    Traffic.statuses(samples, faultAt, s -> validKeys.contains(s.key())),
                    Traffic.statuses(samples, faultAt, Traffic.Sample::fresh));
            System.out.printf(
                    "[fault/cluster/%s] removed keys: max acceptance after removal %s (bound %d"
                            + " ms), accepted beyond the bound: %d; answers to removed keys after"
                            + " removal %s; pub/sub messages received for the %d removals: %.0f%n",
                    name,
                    maxAcceptance.isNegative() ? "none" : maxAcceptance.toMillis() + " ms",
                    MAX_STALENESS.toMillis(),
                    late,
                    Traffic.statuses(
                            samples,
                            faultAt,
                            s ->
                                    removedAt.containsKey(s.key())
                                            && s.sentAt() > removedAt.get(s.key())),
                    doomed.size(),
                    delivered);
            assertThat(late).as("requests accepted beyond max-staleness after removal").isZero();
            assertThat(delivered)
                    .as("removals announced through pub/sub after the fault")
                    .isGreaterThanOrEqualTo(doomed.size());
            assertThat(cached.isNegative()).as("cached valid keys served again").isFalse();
            assertThat(uncached.isNegative()).as("uncached valid keys served again").isFalse();
            IssuedKey created = create("acct-c6", 1).get(0);
            Http.until(port, created.key(), 200, System.nanoTime(), Duration.ofSeconds(10));
            for (IssuedKey key : doomed) {
                Http.until(port, key.key(), 401, System.nanoTime(), Duration.ofSeconds(10));
            }
        }
    }

    private List<String> listIds(String owner, int pageSize) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 100; page++) {
            KeyPage result =
                    keys.store().listByOwner(owner, cursor, pageSize).block(Duration.ofSeconds(5));
            result.keys().forEach(record -> ids.add(record.id()));
            cursor = result.nextCursor();
            if (cursor == null) {
                return ids;
            }
        }
        throw new AssertionError("listing did not end");
    }

    private List<IssuedKey> create(String owner, int count) {
        return Faults.create(keys, owner, count);
    }

    /**
     * Whether the store's client (Lettuce's cached partitions) names, for the slots of {@code
     * doomed} and of the epoch, the master the running nodes agree on.
     */
    private boolean storeFollowsTheMasters(List<IssuedKey> doomed) {
        Partitions partitions =
                ((RedisClusterClient) keys.connectionFactory().getNativeClient()).getPartitions();
        List<String> redisKeys = new ArrayList<>(List.of("kg:epoch"));
        doomed.forEach(key -> redisKeys.add("kg:key:{" + key.record().id() + "}"));
        for (String redisKey : redisKeys) {
            int slot = redis.slot(redisKey);
            RedisClusterNode known = partitions.getMasterBySlot(slot);
            if (known == null || known.getUri().getPort() != redis.masterOf(slot).port()) {
                return false;
            }
        }
        return true;
    }
}
