package dev.keygate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.SecretHash;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.KeyUpdate;
import dev.keygate.gateway.cache.KeyCache;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.gateway.testing.Probe;
import dev.keygate.gateway.testing.TestGateway;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two gateways sharing one Redis: a change made in Redis stops the key on both, through pub/sub
 * (the message counted on both), and through the epoch poll when the message never arrives. How
 * long that took is printed (bench/ measures it properly); the assertions are about what happens,
 * never how fast, so they hold on a shared, loaded machine.
 */
@ExtendWith(RedisExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoGatewayInstancesTests {

    private static final int ROUNDS = 20;
    private static final String RECEIVED = "keygate.invalidations.received";

    /** Below the gateway's default negative TTL (10 s), with a margin. */
    private static final Duration NEGATIVE_TTL_BOUND = Duration.ofSeconds(8);

    /** Generous: a loaded 2-core machine, not a latency bound. */
    private static final Duration BOUND = Duration.ofSeconds(10);

    @RegisterExtension
    static final GatewayFixture fixture =
            GatewayFixture.builder()
                    .sharedRedis()
                    .property("keygate.gateway.invalidation.poll-interval", "1s")
                    .instances(2)
                    .build();

    private final RedisServer redis;

    TwoGatewayInstancesTests(RedisServer redis) {
        this.redis = redis;
    }

    @Test
    void removedKeyIsRefusedOnBothGatewaysThroughTheirSubscription() {
        measure(
                "remove",
                issued -> fixture.keys().store().remove(issued.record().id()).block(),
                issued -> issued.key());
    }

    @Test
    void disabledKeyIsRefusedOnBothGatewaysThroughTheirSubscription() {
        measure(
                "disable",
                issued ->
                        fixture.keys()
                                .store()
                                .update(issued.record().id(), KeyUpdate.none().withEnabled(false))
                                .block(),
                issued -> issued.key());
    }

    @Test
    void rotatedSecretIsRefusedOnBothGatewaysThroughTheirSubscription() {
        measure(
                "rotate",
                issued ->
                        fixture.keys().store().rotate(issued.record().id(), Duration.ZERO).block(),
                issued -> issued.key());
    }

    private void measure(
            String change, Function<IssuedKey, ?> revoke, Function<IssuedKey, String> presented) {
        List<Duration> fromReturn = new ArrayList<>();
        List<Duration> fromStart = new ArrayList<>();
        double[] receivedBefore = received();
        for (int round = 0; round < ROUNDS; round++) {
            IssuedKey issued = fixture.keys().mint("acct-1");
            String key = presented.apply(issued);
            for (TestGateway gateway : fixture.gateways()) {
                Probe.until(gateway.client(), key, 200, System.nanoTime(), BOUND);
            }
            long start = System.nanoTime();
            revoke.apply(issued);
            long returned = System.nanoTime();
            for (TestGateway gateway : fixture.gateways()) {
                Duration sinceReturn = Probe.until(gateway.client(), key, 401, returned, BOUND);
                fromReturn.add(sinceReturn);
                fromStart.add(sinceReturn.plusNanos(returned - start));
            }
        }
        System.out.printf(
                "[revocation/%s] two gateways, pub/sub path: from the change's return %s; from its start %s%n",
                change, Probe.summary(fromReturn), Probe.summary(fromStart));
        // every change was announced to both gateways (creates too): at least one message each
        // per revocation
        double[] receivedAfter = received();
        for (int i = 0; i < fixture.gateways().size(); i++) {
            assertThat(receivedAfter[i] - receivedBefore[i])
                    .as("messages received by gateway %s", i)
                    .isGreaterThanOrEqualTo(ROUNDS);
        }
    }

    private double[] received() {
        return fixture.gateways().stream()
                .mapToDouble(gateway -> gateway.count(RECEIVED))
                .toArray();
    }

    @Test
    void changeWhoseMessageIsLostIsCaughtByThePollWithinItsInterval() {
        List<Duration> samples = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            IssuedKey issued = acceptedByBoth();
            // What a writer that died before PUBLISH leaves behind: record changed, epoch moved,
            // no message.
            long start = System.nanoTime();
            redis.command("HSET", "kg:key:{" + issued.record().id() + "}", "enabled", "0");
            redis.command("INCR", "kg:epoch");
            samples.addAll(refusedByBoth(issued, start));
        }
        // refused on both although no message came (refusedByBoth): the poll saw the epoch move
        System.out.printf(
                "[revocation/lost-message] poll path (interval 1 s, grace 50 ms): %s%n",
                Probe.summary(samples));
    }

    @Test
    void changeWhoseMessageIsLostIsReadFromTheChangeLogWithoutAFlush() {
        List<Duration> samples = new ArrayList<>();
        double flushesBefore = flushes();
        for (int round = 0; round < 5; round++) {
            IssuedKey issued = acceptedByBoth();
            // What the store does for a change, except the PUBLISH: the message is lost
            long start = System.nanoTime();
            String id = issued.record().id();
            redis.command("HSET", "kg:key:{" + id + "}", "enabled", "0");
            redis.command(
                    "EVAL",
                    "local e = redis.call('INCR', KEYS[1])"
                            + " redis.call('ZADD', KEYS[2], e, string.format('%d', e) .. ' ' .. ARGV[1])",
                    "2",
                    "kg:epoch",
                    "kg:changes:{kg:epoch}",
                    id);
            samples.addAll(refusedByBoth(issued, start));
        }
        System.out.printf(
                "[revocation/lost-message-logged] poll + change log (interval 1 s): %s%n",
                Probe.summary(samples));
        // the poll read the missed ids from the log: no gateway flushed its cache
        assertThat(flushes()).isEqualTo(flushesBefore);
    }

    /** A new key, once both gateways accept it. */
    private IssuedKey acceptedByBoth() {
        IssuedKey issued = fixture.keys().mint("acct-1");
        for (TestGateway gateway : fixture.gateways()) {
            Probe.until(gateway.client(), issued.key(), 200, System.nanoTime(), BOUND);
        }
        return issued;
    }

    /** How long after {@code start} each gateway first refused the key. */
    private List<Duration> refusedByBoth(IssuedKey issued, long start) {
        List<Duration> refused = new ArrayList<>();
        for (TestGateway gateway : fixture.gateways()) {
            refused.add(Probe.until(gateway.client(), issued.key(), 401, start, BOUND));
        }
        return refused;
    }

    private double flushes() {
        return fixture.gateways().stream()
                .mapToDouble(gateway -> gateway.bean(KeyCache.class).flushCount())
                .sum();
    }

    @Test
    void killedSubscriptionIsReestablishedAndChangesMadeMeanwhileAreHonoured() {
        List<Duration> samples = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            IssuedKey issued = acceptedByBoth();
            long start = System.nanoTime();
            redis.command("CLIENT", "KILL", "TYPE", "pubsub");
            fixture.keys().store().remove(issued.record().id()).block();
            samples.addAll(refusedByBoth(issued, start));
        }
        System.out.printf("[revocation/pubsub-killed] %s%n", Probe.summary(samples));
        // and the subscription came back on both
        for (TestGateway gateway : fixture.gateways()) {
            await().atMost(BOUND).until(gateway::isSubscribed);
        }
    }

    @Test
    void keyCreatedAfterItsIdWasCachedAsUnknownWorksAtOnceOnBoth() {
        // Ids are random, so write the record the way create.lua does, for an id we choose.
        ApiKeyFormat format = ApiKeyFormat.defaults();
        String id = "Zz" + Long.toString(System.nanoTime() % 1_000_000_000L, 36).toUpperCase();
        id = (id + "000000000").substring(0, 11);
        String secret = "S".repeat(30);
        String key = format.format(id, secret);
        IssuedKey warmUp = fixture.keys().mint("acct-1");
        for (TestGateway gateway : fixture.gateways()) {
            // warm the whole proxy path first, so the figure is about the purge, not a cold JVM
            Probe.until(gateway.client(), warmUp.key(), 200, System.nanoTime(), BOUND);
            assertThat(Probe.status(gateway.client(), key)).isEqualTo(401);
        }
        String now = java.time.Instant.now().toString();
        redis.command(
                "HSET",
                "kg:key:{" + id + "}",
                "id",
                id,
                "owner",
                "acct-1",
                "name",
                "",
                "scopes",
                "",
                "orgs",
                "",
                "createdAt",
                now,
                "rotatedAt",
                now,
                "enabled",
                "1",
                "hash",
                SecretHash.of(secret).encoded(),
                "version",
                "1");
        long epoch = (Long) redis.command("INCR", "kg:epoch");
        long start = System.nanoTime();
        redis.command("PUBLISH", "kg:invalidations", epoch + " " + id);
        List<Duration> samples = new ArrayList<>();
        // accepted before the negative entry's 10 s TTL ran out: the message (or the poll that
        // sees the epoch move) purged it; the bound leaves the margin a loaded machine needs
        for (TestGateway gateway : fixture.gateways()) {
            samples.add(Probe.until(gateway.client(), key, 200, start, NEGATIVE_TTL_BOUND));
        }
        System.out.printf(
                "[negative-purge] unknown id created, accepted after %s%n", Probe.summary(samples));
    }
}
