package dev.keygate.core.usage;

import dev.keygate.core.store.RedisKeyspace;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Key usage in Redis (see {@link RedisKeyspace} for the data model): the gateways' flushes write
 * it, the admin API reads it. Every name is in the owner's slot, so one script writes many keys of
 * one owner and one {@code MGET} reads a key's days, on Cluster too.
 *
 * <p>Writes ({@link #flush}): one {@code flush.lua} per chunk of at most {@value #CHUNK_KEYS} keys
 * ({@link #chunks}): on a standalone or Sentinel Redis any owners' keys share a chunk, on Cluster
 * only the keys of owners whose names hash to one slot (a script touches one slot), so a flush of
 * many owners' keys is a few scripts, not one per owner; each script which raises times with max
 * semantics (two gateways flushing out of order never move a time back) and adds counts with {@code
 * INCRBY}. Not idempotent: a flush whose reply was lost and that is retried counts its requests
 * twice (usage is an estimate for humans, not billing). Reads never write.
 *
 * <p>Errors are error signals, never swallowed; the caller decides (the gateway keeps what it could
 * not write and retries). Nothing here blocks; thread-safe.
 */
public final class RedisUsageStore {

    /** The most keys one flush script carries. */
    public static final int CHUNK_KEYS = 500;

    /** The most secret fingerprints kept per key (the oldest are dropped by the flush). */
    public static final int MAX_SECRETS = 4;

    private static final String LAST = "last";
    private static final String SECRET_PREFIX = "h:";
    private static final String SCOPE_PREFIX = "s:";

    private static final RedisScript<Long> FLUSH =
            RedisScript.of(new ClassPathResource("dev/keygate/core/usage/flush.lua"), Long.class);

    private final ReactiveStringRedisTemplate redis;
    private final RedisKeyspace keyspace;
    private final UsageProperties properties;
    private final boolean cluster;

    /** A store for a Redis Cluster or not, unknown: chunks never mix slots. */
    public RedisUsageStore(
            ReactiveStringRedisTemplate redis, RedisKeyspace keyspace, UsageProperties properties) {
        this(redis, keyspace, properties, true);
    }

    /**
     * @param cluster whether Redis is a Cluster: then a chunk holds only keys of one slot; else
     *     keys of any owners
     */
    public RedisUsageStore(
            ReactiveStringRedisTemplate redis,
            RedisKeyspace keyspace,
            UsageProperties properties,
            boolean cluster) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.keyspace = Objects.requireNonNull(keyspace, "keyspace");
        this.properties = Objects.requireNonNull(properties, "properties");
        this.cluster = cluster;
    }

    /** One key's usage and its owner. */
    public record OwnedUsage(String owner, KeyUsage usage) {}

    /** What one flush script writes: keys of one UTC day, all in one slot on Cluster. */
    public record Chunk(LocalDate day, List<OwnedUsage> keys) {

        public Chunk {
            keys = List.copyOf(keys);
        }

        /** The requests it counts. */
        public long requests() {
            return keys.stream().mapToLong(key -> key.usage().requests()).sum();
        }
    }

    /**
     * {@code byOwner}'s usage of {@code day} cut into chunks of at most {@value #CHUNK_KEYS} keys:
     * any owners together on a standalone Redis, owners of one slot together on Cluster.
     */
    public List<Chunk> chunks(LocalDate day, Map<String, List<KeyUsage>> byOwner) {
        Map<Integer, List<OwnedUsage>> bySlot = new LinkedHashMap<>();
        byOwner.forEach(
                (owner, keys) -> {
                    // every name of the owner's usage has the owner as hash tag: one slot
                    int slot = cluster ? SlotHash.getSlot(keyspace.usageSeen(owner, "-")) : 0;
                    List<OwnedUsage> group = bySlot.computeIfAbsent(slot, s -> new ArrayList<>());
                    keys.forEach(key -> group.add(new OwnedUsage(owner, key)));
                });
        List<Chunk> chunks = new ArrayList<>();
        bySlot.values()
                .forEach(
                        group -> {
                            for (int i = 0; i < group.size(); i += CHUNK_KEYS) {
                                chunks.add(
                                        new Chunk(
                                                day,
                                                group.subList(
                                                        i,
                                                        Math.min(group.size(), i + CHUNK_KEYS))));
                            }
                        });
        return chunks;
    }

    /** Writes one chunk: one script. */
    public Mono<Void> flush(Chunk chunk) {
        return Mono.defer(() -> flushChunk(chunk)).then();
    }

    public UsageProperties properties() {
        return properties;
    }

    /**
     * Adds what one gateway saw of {@code owner}'s keys on {@code day}: one script per chunk of
     * {@value #CHUNK_KEYS} keys, one after the other. Completes when all are written; a failed
     * chunk fails the whole (the chunks before it are written).
     */
    public Mono<Void> flush(String owner, LocalDate day, List<KeyUsage> keys) {
        return Flux.fromIterable(chunks(day, Map.of(owner, keys)))
                .concatMap(this::flushChunk)
                .then();
    }

    private Mono<Long> flushChunk(Chunk written) {
        LocalDate day = written.day();
        List<OwnedUsage> chunk = written.keys();
        List<String> keys = new ArrayList<>(chunk.size() * 2);
        List<String> args = new ArrayList<>();
        Duration retention = properties.retention();
        args.add(Long.toString(retention.toMillis()));
        args.add(Long.toString(retention.plusDays(1).toMillis()));
        args.add(Integer.toString(MAX_SECRETS));
        args.add(Integer.toString(chunk.size()));
        for (OwnedUsage owned : chunk) {
            String owner = owned.owner();
            KeyUsage usage = owned.usage();
            keys.add(keyspace.usageSeen(owner, usage.id()));
            keys.add(keyspace.usageDay(owner, usage.id(), day));
            args.add(Long.toString(usage.requests()));
            args.add(Long.toString(usage.lastUsed()));
            pairs(args, usage.secrets());
            pairs(args, usage.scopes());
        }
        return redis.execute(FLUSH, keys, args).next();
    }

    private static void pairs(List<String> args, Map<String, Long> values) {
        args.add(Integer.toString(values.size()));
        values.forEach(
                (name, millis) -> {
                    args.add(name);
                    args.add(Long.toString(millis));
                });
    }

    /** When the key was last used, per secret and per scope; {@link KeySeen#NONE} if never. */
    public Mono<KeySeen> seen(String owner, String id) {
        return redis.<String, String>opsForHash()
                .entries(keyspace.usageSeen(owner, id))
                .collectMap(Map.Entry::getKey, Map.Entry::getValue)
                .map(RedisUsageStore::decode);
    }

    private static KeySeen decode(Map<String, String> fields) {
        Instant last = null;
        Map<String, Instant> secrets = new HashMap<>();
        Map<String, Instant> scopes = new HashMap<>();
        for (Map.Entry<String, String> field : fields.entrySet()) {
            Instant at = instant(field.getValue());
            if (at == null) {
                continue;
            }
            String name = field.getKey();
            if (name.equals(LAST)) {
                last = at;
            } else if (name.startsWith(SECRET_PREFIX)) {
                secrets.put(name.substring(SECRET_PREFIX.length()), at);
            } else if (name.startsWith(SCOPE_PREFIX)) {
                scopes.put(name.substring(SCOPE_PREFIX.length()), at);
            }
        }
        return new KeySeen(last, secrets, scopes);
    }

    private static Instant instant(String millis) {
        try {
            return Instant.ofEpochMilli(Long.parseLong(millis));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The key's requests per UTC day from {@code from} through {@code to}, in date order, days
     * without requests left out: one {@code MGET}.
     */
    public Mono<List<DailyCount>> days(String owner, String id, LocalDate from, LocalDate to) {
        if (to.isBefore(from)) {
            return Mono.error(new IllegalArgumentException("from " + from + " is after to " + to));
        }
        List<LocalDate> dates = from.datesUntil(to.plusDays(1)).toList();
        List<String> names = dates.stream().map(d -> keyspace.usageDay(owner, id, d)).toList();
        return redis.opsForValue()
                .multiGet(names)
                .map(
                        values -> {
                            List<DailyCount> days = new ArrayList<>();
                            for (int i = 0; i < dates.size(); i++) {
                                String value = values.get(i);
                                if (value != null) {
                                    long requests = Long.parseLong(value);
                                    if (requests > 0) {
                                        days.add(new DailyCount(dates.get(i), requests));
                                    }
                                }
                            }
                            return days;
                        });
    }

    /**
     * When each of {@code ids} (keys of {@code owner}) was last used with any secret: one {@code
     * HGET} per key, 16 at a time. Keys never used within the retention are absent.
     */
    public Mono<Map<String, Instant>> lastUsed(String owner, Collection<String> ids) {
        return Flux.fromIterable(ids)
                .flatMap(
                        id ->
                                redis.<String, String>opsForHash()
                                        .get(keyspace.usageSeen(owner, id), LAST)
                                        .mapNotNull(RedisUsageStore::instant)
                                        .map(at -> Map.entry(id, at)),
                        16)
                .collectMap(Map.Entry::getKey, Map.Entry::getValue);
    }

    /**
     * Deletes the key's usage: its seen hash and its day counters by name, over the retention
     * window around {@code today} (one {@code DEL}, one slot). A gateway that flushes afterwards
     * writes a little again, which expires with the retention.
     */
    public Mono<Long> delete(String owner, String id, LocalDate today) {
        List<String> names = new ArrayList<>();
        names.add(keyspace.usageSeen(owner, id));
        LocalDate first = today.minusDays(properties.retentionDays() + 1);
        first.datesUntil(today.plusDays(2))
                .forEach(day -> names.add(keyspace.usageDay(owner, id, day)));
        return redis.delete(names.toArray(String[]::new));
    }
}
