package dev.keygate.core.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.key.SecretHash;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;

/**
 * The usage flush script and reads on a real Redis: times only move forward whatever order the
 * gateways flush in, counts add up, only the most recent secrets are kept, TTLs are the retention,
 * chunks beyond the script's limit are all written, and the fingerprint is stable.
 */
@ExtendWith(RedisExtension.class)
class RedisUsageStoreTests {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final LocalDate DAY = LocalDate.parse("2026-12-01");

    private final RedisServer redis;
    private TestKeys keys;
    private RedisUsageStore store;

    RedisUsageStoreTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeEach
    void connect() {
        redis.flushAll();
        keys = TestKeys.connectedTo(redis, Clock.systemUTC());
        store =
                new RedisUsageStore(
                        keys.template(),
                        RedisKeyspace.defaults(),
                        UsageProperties.defaults(),
                        false);
    }

    @AfterEach
    void disconnect() {
        keys.close();
    }

    private void flush(String id, long requests, long at, Map<String, Long> secrets) {
        store.flush(
                        "acct-1",
                        DAY,
                        List.of(new KeyUsage(id, requests, at, secrets, Map.of("orders:read", at))))
                .block(WAIT);
    }

    @Test
    void anOlderFlushArrivingLaterNeverMovesATimeBackAndCountsAddUp() {
        flush("k1", 3, 2_000, Map.of("aaaa", 2_000L));
        flush("k1", 4, 1_000, Map.of("aaaa", 1_000L));

        KeySeen seen = store.seen("acct-1", "k1").block(WAIT);
        assertThat(seen.lastUsed()).isEqualTo(Instant.ofEpochMilli(2_000));
        assertThat(seen.secrets()).containsEntry("aaaa", Instant.ofEpochMilli(2_000));
        assertThat(seen.scopes()).containsEntry("orders:read", Instant.ofEpochMilli(2_000));
        assertThat(store.days("acct-1", "k1", DAY.minusDays(1), DAY.plusDays(1)).block(WAIT))
                .containsExactly(new DailyCount(DAY, 7));
    }

    @Test
    void manyOwnersShareAFlushScriptExceptAcrossClusterSlots() {
        Map<String, List<KeyUsage>> byOwner = new java.util.LinkedHashMap<>();
        for (int owner = 0; owner < 1000; owner++) {
            List<KeyUsage> keys = new java.util.ArrayList<>();
            for (int key = 0; key < 10; key++) {
                keys.add(new KeyUsage("o" + owner + "k" + key, 1, 1_000, Map.of(), Map.of()));
            }
            byOwner.put("acct-" + owner, keys);
        }
        LocalDate day = LocalDate.of(2026, 12, 1);

        // standalone: 10,000 keys of 1,000 owners are 20 scripts of 500 keys
        List<RedisUsageStore.Chunk> standalone = store.chunks(day, byOwner);
        assertThat(standalone).hasSize(20).allMatch(chunk -> chunk.keys().size() == 500);
        Flux.fromIterable(standalone).concatMap(store::flush).blockLast();
        assertThat(
                        keys.template()
                                .opsForValue()
                                .get("kg:usage:{acct-999}:k:o999k9:d:2026-12-01")
                                .block())
                .isEqualTo("1");

        // Cluster: a chunk never mixes slots, and every key is in exactly one chunk
        RedisUsageStore cluster =
                new RedisUsageStore(
                        keys.template(),
                        RedisKeyspace.defaults(),
                        UsageProperties.defaults(),
                        true);
        List<RedisUsageStore.Chunk> chunks = cluster.chunks(day, byOwner);
        assertThat(chunks.stream().mapToInt(chunk -> chunk.keys().size()).sum()).isEqualTo(10_000);
        for (RedisUsageStore.Chunk chunk : chunks) {
            assertThat(
                            chunk.keys().stream()
                                    .map(
                                            key ->
                                                    io.lettuce.core.cluster.SlotHash.getSlot(
                                                            "kg:usage:{" + key.owner() + "}:x"))
                                    .distinct())
                    .hasSize(1);
        }
    }

    @Test
    void onlyTheMostRecentSecretsAreKept() {
        for (int i = 1; i <= RedisUsageStore.MAX_SECRETS + 2; i++) {
            flush("k1", 1, i * 1_000L, Map.of("s" + i, i * 1_000L));
        }

        assertThat(store.seen("acct-1", "k1").block(WAIT).secrets())
                .containsOnlyKeys("s3", "s4", "s5", "s6");
    }

    @Test
    void usageExpiresWithTheRetention() {
        flush("k1", 1, 1_000, Map.of());

        long seenTtl = (Long) redis.command("PTTL", "kg:usage:{acct-1}:k:k1:seen");
        long dayTtl = (Long) redis.command("PTTL", "kg:usage:{acct-1}:k:k1:d:2026-12-01");
        assertThat(seenTtl)
                .isBetween(Duration.ofDays(89).toMillis(), Duration.ofDays(90).toMillis());
        assertThat(dayTtl)
                .isBetween(Duration.ofDays(90).toMillis(), Duration.ofDays(91).toMillis());
    }

    @Test
    void aFlushOfMoreKeysThanOneScriptCarriesWritesThemAll() {
        List<KeyUsage> many = new ArrayList<>();
        IntStream.range(0, RedisUsageStore.CHUNK_KEYS * 2 + 3)
                .forEach(i -> many.add(new KeyUsage("k" + i, 1, 1_000, Map.of(), Map.of())));
        store.flush("acct-1", DAY, many).block(WAIT);

        List<String> ids = many.stream().map(KeyUsage::id).toList();
        assertThat(store.lastUsed("acct-1", ids).block(WAIT)).hasSize(many.size());
    }

    @Test
    void theFingerprintIsShortStableAndDiffersPerSecret() {
        SecretHash one = SecretHash.of("one");
        assertThat(SecretFingerprint.of(one))
                .hasSize(SecretFingerprint.LENGTH)
                .isEqualTo(SecretFingerprint.of(SecretHash.decode(one.encoded())))
                .isNotEqualTo(SecretFingerprint.of(SecretHash.of("two")));
    }
}
