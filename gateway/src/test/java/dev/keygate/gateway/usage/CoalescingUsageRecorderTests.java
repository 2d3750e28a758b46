package dev.keygate.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.key.SecretHash;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.core.usage.DailyCount;
import dev.keygate.core.usage.RedisUsageStore;
import dev.keygate.core.usage.SecretFingerprint;
import dev.keygate.core.usage.UsageProperties;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisProcess;
import dev.keygate.test.redis.RedisServer;
import dev.keygate.test.time.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * The coalescing recorder against a real Redis, flushed by hand ({@link
 * CoalescingUsageRecorder#flush()}) with a hand-moved clock: counts stay exact while requests and
 * flushes race, a new UTC day goes to its own counter, keys beyond the bound are dropped and
 * counted, a failed write is kept and written once Redis is back, and a stop flushes what is left.
 */
@ExtendWith(RedisExtension.class)
class CoalescingUsageRecorderTests {

    private static final Instant NOON = Instant.parse("2026-12-01T12:00:00Z");
    private static final Set<String> ORDERS = Set.of("orders:read");

    private final RedisServer redis;
    private final MutableClock clock = new MutableClock(NOON);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<LettuceConnectionFactory> factories = new ArrayList<>();

    CoalescingUsageRecorderTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeEach
    void empty() {
        redis.flushAll();
    }

    @AfterEach
    void close() {
        factories.forEach(LettuceConnectionFactory::destroy);
    }

    private RedisUsageStore store(RedisServer server) {
        LettuceConnectionFactory factory =
                new LettuceConnectionFactory(server.host(), server.port());
        factory.afterPropertiesSet();
        factories.add(factory);
        return new RedisUsageStore(
                new ReactiveStringRedisTemplate(factory),
                RedisKeyspace.defaults(),
                UsageProperties.defaults());
    }

    private CoalescingUsageRecorder recorder(RedisUsageStore store, int maximumKeys) {
        return new CoalescingUsageRecorder(
                store, clock, Duration.ofSeconds(30), Duration.ofSeconds(2), maximumKeys, registry);
    }

    private static KeyRecord key(String id) {
        return new KeyRecord(
                id,
                "acct-1",
                "",
                Set.of(),
                ORDERS,
                NOON,
                NOON,
                null,
                true,
                SecretHash.of("secret-" + id),
                null,
                null,
                Map.of(),
                null,
                null,
                1);
    }

    private static long requests(RedisUsageStore store, String id, LocalDate day) {
        return store.days("acct-1", id, day, day).block().stream()
                .mapToLong(DailyCount::requests)
                .sum();
    }

    private static LocalDate day(Instant instant) {
        return LocalDate.ofInstant(instant, java.time.ZoneOffset.UTC);
    }

    @Test
    void countsStayExactWhileRequestsAndFlushesRace() throws Exception {
        RedisUsageStore store = store(redis);
        CoalescingUsageRecorder recorder = recorder(store, 1000);
        KeyRecord key = key("k1");
        int threads = 4;
        int each = 20_000;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            Thread thread =
                    new Thread(
                            () -> {
                                for (int i = 0; i < each; i++) {
                                    recorder.record(key, false, ORDERS);
                                }
                                done.countDown();
                            });
            thread.start();
        }
        while (done.getCount() > 0) {
            recorder.flush();
        }
        recorder.flush();

        assertThat(requests(store, "k1", day(NOON))).isEqualTo((long) threads * each);
        var seen = store.seen("acct-1", "k1").block();
        assertThat(seen.lastUsed()).isEqualTo(NOON);
        assertThat(seen.secrets()).containsOnlyKeys(SecretFingerprint.of(key.secretHash()));
        assertThat(seen.scopes()).containsOnlyKeys("orders:read");
    }

    @Test
    void requestsOfANewUtcDayAreCountedOnThatDay() {
        RedisUsageStore store = store(redis);
        CoalescingUsageRecorder recorder = recorder(store, 1000);
        clock.set(Instant.parse("2026-12-01T23:59:59Z"));
        recorder.record(key("k1"), false, Set.of());
        recorder.record(key("k1"), false, Set.of());
        clock.advance(Duration.ofSeconds(2));
        for (int i = 0; i < 3; i++) {
            recorder.record(key("k1"), false, Set.of());
        }
        recorder.flush();

        assertThat(requests(store, "k1", LocalDate.parse("2026-12-01"))).isEqualTo(2);
        assertThat(requests(store, "k1", LocalDate.parse("2026-12-02"))).isEqualTo(3);
    }

    @Test
    void keysBeyondTheMaximumAreNotRecordedAndAreCounted() {
        RedisUsageStore store = store(redis);
        CoalescingUsageRecorder recorder = recorder(store, 2);
        recorder.record(key("k1"), false, Set.of());
        recorder.record(key("k2"), false, Set.of());
        recorder.record(key("k3"), false, Set.of());
        recorder.record(key("k1"), false, Set.of());
        recorder.flush();

        assertThat(registry.counter(CoalescingUsageRecorder.DROPPED_METRIC).count()).isEqualTo(1);
        assertThat(requests(store, "k1", day(NOON))).isEqualTo(2);
        assertThat(requests(store, "k3", day(NOON))).isZero();
        // the next bucket has room again
        recorder.record(key("k3"), false, Set.of());
        recorder.flush();
        assertThat(requests(store, "k3", day(NOON))).isEqualTo(1);
    }

    @Test
    void aFailedWriteIsKeptAndWrittenOnceWhenRedisIsBack() {
        try (RedisProcess own = RedisProcess.launch()) {
            RedisUsageStore store = store(own);
            CoalescingUsageRecorder recorder = recorder(store, 1000);
            recorder.record(key("k1"), false, Set.of());
            recorder.flush(); // connects
            own.stop();
            for (int i = 0; i < 5; i++) {
                recorder.record(key("k1"), false, Set.of());
            }

            recorder.flush();
            assertThat(recorder.keysToRetry()).isEqualTo(1);

            own.start();
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(20))
                    .untilAsserted(
                            () -> {
                                recorder.flush();
                                assertThat(recorder.keysToRetry()).isZero();
                            });
            assertThat(requests(store, "k1", day(NOON))).isEqualTo(5);
        }
    }

    @Test
    void stoppingFlushesWhatWasNotWrittenYet() {
        RedisUsageStore store = store(redis);
        CoalescingUsageRecorder recorder = recorder(store, 1000);
        recorder.start();
        recorder.record(key("k1"), true, Set.of());
        recorder.stop();

        assertThat(recorder.isRunning()).isFalse();
        assertThat(requests(store, "k1", day(NOON))).isEqualTo(1);
    }

    @Test
    void aRequestWithThePreviousSecretIsRecordedUnderThatSecret() {
        RedisUsageStore store = store(redis);
        CoalescingUsageRecorder recorder = recorder(store, 1000);
        KeyRecord current = key("k1");
        SecretHash old = SecretHash.of("old");
        KeyRecord rotated =
                new KeyRecord(
                        "k1",
                        "acct-1",
                        "",
                        Set.of(),
                        ORDERS,
                        NOON,
                        NOON,
                        null,
                        true,
                        current.secretHash(),
                        old,
                        NOON.plusSeconds(3600),
                        Map.of(),
                        null,
                        null,
                        2);
        recorder.record(rotated, true, Set.of());
        recorder.flush();

        assertThat(store.seen("acct-1", "k1").block().secrets())
                .containsOnlyKeys(SecretFingerprint.of(old));
    }
}
