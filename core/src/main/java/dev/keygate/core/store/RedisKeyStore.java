package dev.keygate.core.store;

import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.key.ApiKeyGenerator.GeneratedKey;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.limit.RedisLimitCounters;
import dev.keygate.core.limit.UsageLimits;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The {@link KeyStore} on Redis, through Spring Data Redis's reactive template on Lettuce: nothing
 * here blocks, so every method may be called from an event loop. Works on standalone, Sentinel and
 * Cluster deployments alike (see {@link RedisKeyspace} for the data model).
 *
 * <p><b>Writes.</b> Each change to a record is one Lua script on the record's slot, so concurrent
 * changes to one key serialise in Redis and none is lost. Then, in this order: the owner index is
 * updated (a different slot, so not in the same script), the epoch is incremented, {@code "<epoch>
 * <id>"} is added to the change log, and published. A subscriber that sees epoch <i>e</i> therefore
 * reads a record at least as new as change <i>e</i>.
 *
 * <p>The record scripts run through a {@link RecordWriter}: the shared template by default, or a
 * {@link ReplicaWaitingRecordWriter} that waits for replicas to confirm each record write before
 * the change is announced; the outcome ({@link IssuedKey#replicas()}, {@link KeyChange#replicas()})
 * says how many did.
 *
 * <p><b>Failure.</b> Errors are passed on as error signals, never swallowed. If the process or
 * Redis dies between the record write and the publish, the change is in Redis but no gateway was
 * told: gateways bound this by the maximum age of their cache entries, and a retry of the same
 * operation publishes again. A caller that must not repeat a create or a rotation (the admin API's
 * idempotent retries) uses {@link #createUnannounced} or {@link #rotateUnannounced}, records that
 * the write happened, and then calls {@link #announce(String)}, again on its retry if it failed.
 * Thread-safe.
 */
public final class RedisKeyStore implements KeyStore {

    private static final int CREATE_ATTEMPTS = 3;
    private static final int ANNOUNCE_RETRIES = 3;

    /** Changes kept in the change log: about 60 bytes each. */
    static final int CHANGE_LOG_LENGTH = 10_000;

    private static final RedisScript<Long> CREATE = script("create.lua", Long.class);

    private static final RedisScript<Long> ANNOUNCE = script("announce.lua", Long.class);

    private static final RedisScript<Long> OWNER_LIMITS = script("owner-limits.lua", Long.class);

    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> ROTATE = script("rotate.lua", List.class);

    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> UPDATE = script("update.lua", List.class);

    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> COMPLETE = script("complete.lua", List.class);

    private static final int COMPLETE_ATTEMPTS = 3;

    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> REMOVE = script("remove.lua", List.class);

    private final ReactiveStringRedisTemplate redis;
    private final RecordWriter writer;
    private final RedisKeyspace keyspace;
    private final ApiKeyGenerator generator;
    private final Clock clock;
    private final RedisLimitCounters limitCounters;

    public RedisKeyStore(
            ReactiveStringRedisTemplate redis,
            RedisKeyspace keyspace,
            ApiKeyGenerator generator,
            Clock clock) {
        this(redis, RecordWriter.on(redis), keyspace, generator, clock);
    }

    /**
     * @param redis for reads, the owner index and announcements
     * @param writer for the record scripts
     */
    public RedisKeyStore(
            ReactiveStringRedisTemplate redis,
            RecordWriter writer,
            RedisKeyspace keyspace,
            ApiKeyGenerator generator,
            Clock clock) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.keyspace = Objects.requireNonNull(keyspace, "keyspace");
        this.generator = Objects.requireNonNull(generator, "generator");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.limitCounters = new RedisLimitCounters(redis, keyspace);
    }

    private static <T> RedisScript<T> script(String name, Class<T> type) {
        return RedisScript.of(new ClassPathResource("dev/keygate/core/store/" + name), type);
    }

    public RedisKeyspace keyspace() {
        return keyspace;
    }

    /**
     * {@inheritDoc}
     *
     * <p>With the owner's shared limits ({@link KeyRecord#ownerLimits()}), read right after the
     * record: two reads, since the owner's hash is in another slot. A change to the owner's limits
     * announces every key of the owner ({@link #setOwnerLimits}), so a cached record never keeps
     * stale owner limits beyond the invalidation window.
     */
    @Override
    public Mono<KeyRecord> findById(String id) {
        return recordOnly(id)
                .flatMap(
                        record ->
                                ownerLimits(record.owner())
                                        .map(
                                                limits ->
                                                        limits.isEmpty()
                                                                ? record
                                                                : record.withOwnerLimits(limits)));
    }

    private Mono<KeyRecord> recordOnly(String id) {
        return redis.<String, String>opsForHash()
                .entries(keyspace.key(id))
                .collectMap(Map.Entry::getKey, Map.Entry::getValue)
                .flatMap(
                        fields ->
                                fields.isEmpty()
                                        ? Mono.empty()
                                        : Mono.fromCallable(() -> RecordCodec.decode(fields)));
    }

    /** The owner's shared limits; {@link UsageLimits#NONE} when none are set. */
    public Mono<UsageLimits> ownerLimits(String owner) {
        return redis.<String, String>opsForHash()
                .entries(keyspace.ownerLimits(owner))
                .collectMap(Map.Entry::getKey, Map.Entry::getValue)
                .flatMap(fields -> Mono.fromCallable(() -> RecordCodec.limits(fields)));
    }

    /**
     * Sets (or, with {@link UsageLimits#NONE}, removes) the owner's shared limits, then announces
     * every key of the owner so that gateways drop the records they cached with the old limits. The
     * announcements go one per key (the owner index and the epoch are in different slots): an owner
     * with many keys takes as many round trips, on the admin side only.
     *
     * @return the epoch of the last announcement, or the current epoch when the owner has no keys
     */
    public Mono<Long> setOwnerLimits(String owner, UsageLimits limits) {
        Objects.requireNonNull(limits, "limits");
        List<String> pairs = new ArrayList<>();
        RecordCodec.putLimits(pairs, limits);
        Mono<Long> write =
                redis.execute(OWNER_LIMITS, List.of(keyspace.ownerLimits(owner)), pairs).next();
        return write.then(announceOwner(owner));
    }

    private Mono<Long> announceOwner(String owner) {
        return redis.opsForZSet()
                .range(keyspace.ownerIndex(owner), Range.unbounded())
                .flatMap(this::announce, 16)
                .reduce(Math::max)
                .switchIfEmpty(Mono.defer(this::currentEpoch));
    }

    @Override
    public Mono<IssuedKey> create(NewKey key) {
        return createUnannounced(key).flatMap(this::announced);
    }

    /**
     * The first half of {@link #create(NewKey)}: writes the key and stops before announcing it, so
     * that a caller can record that the write happened before anything else can fail. The caller
     * must then {@link #announce(String)} the key's id.
     */
    public Mono<WrittenKey> createUnannounced(NewKey key) {
        return Mono.defer(() -> attemptCreate(key, 1));
    }

    private Mono<IssuedKey> announced(WrittenKey written) {
        return announce(written.record().id()).map(written::announced);
    }

    private Mono<WrittenKey> attemptCreate(NewKey key, int attempt) {
        Instant now = now();
        GeneratedKey generated = generator.newKey();
        KeyRecord record =
                new KeyRecord(
                        generated.id(),
                        key.owner(),
                        key.name(),
                        key.organizations(),
                        key.scopes(),
                        now,
                        now,
                        key.expiresAt(),
                        true,
                        generated.hash(),
                        null,
                        null,
                        key.metadata(),
                        key.limits(),
                        null,
                        1);
        // Index first: a crash between the two leaves an id in the index that listing skips,
        // never a record that listing cannot find.
        return redis.opsForZSet()
                .add(keyspace.ownerIndex(key.owner()), record.id(), 0)
                .then(writer.write(CREATE, keyspace.key(record.id()), RecordCodec.encode(record)))
                .flatMap(
                        written -> {
                            if (written.asLong() == 1L) {
                                return Mono.just(
                                        new WrittenKey(
                                                record, generated.token(), written.replicas()));
                            }
                            if (attempt >= CREATE_ATTEMPTS) {
                                return Mono.error(
                                        new IllegalStateException(
                                                "key id collided " + attempt + " times in a row"));
                            }
                            return attemptCreate(key, attempt + 1);
                        });
    }

    @Override
    public Mono<IssuedKey> rotate(String id, Duration gracePeriod) {
        return rotateUnannounced(id, gracePeriod).flatMap(this::announced);
    }

    /**
     * The first half of {@link #rotate(String, Duration)}: writes the new secret and stops before
     * announcing it, so that a caller can record that the write happened before anything else can
     * fail. The caller must then {@link #announce(String)} the id.
     *
     * @return the new key, or empty when {@code id} does not exist
     */
    public Mono<WrittenKey> rotateUnannounced(String id, Duration gracePeriod) {
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        if (gracePeriod.isNegative()) {
            return Mono.error(
                    new IllegalArgumentException(
                            "grace period must not be negative: " + gracePeriod));
        }
        return Mono.defer(
                () -> {
                    Instant now = now();
                    GeneratedKey generated = generator.forId(id);
                    String until = now.plus(gracePeriod).toString();
                    return record(
                                    ROTATE,
                                    id,
                                    List.of(generated.hash().encoded(), now.toString(), until))
                            .map(
                                    changed ->
                                            new WrittenKey(
                                                    changed.record(),
                                                    generated.token(),
                                                    changed.replicas()));
                });
    }

    @Override
    public Mono<KeyChange> update(String id, KeyUpdate update) {
        Objects.requireNonNull(update, "update");
        return Mono.defer(
                () -> {
                    List<String> set = new ArrayList<>();
                    List<String> delete = new ArrayList<>();
                    if (update.name() != null) {
                        pair(set, RecordCodec.NAME, update.name());
                    }
                    if (update.scopes() != null) {
                        pair(set, RecordCodec.SCOPES, RecordCodec.joinSet(sorted(update.scopes())));
                    }
                    if (update.organizations() != null) {
                        pair(
                                set,
                                RecordCodec.ORGANIZATIONS,
                                RecordCodec.joinSet(sorted(update.organizations())));
                    }
                    if (update.expiresAt() != null) {
                        if (update.expiresAt().isPresent()) {
                            pair(set, RecordCodec.EXPIRES_AT, update.expiresAt().get().toString());
                        } else {
                            delete.add(RecordCodec.EXPIRES_AT);
                        }
                    }
                    if (update.enabled() != null) {
                        pair(set, RecordCodec.ENABLED, update.enabled() ? "1" : "0");
                    }
                    if (update.rateLimit() != null) {
                        if (update.rateLimit().isPresent()) {
                            pair(set, RecordCodec.RATE_LIMIT, update.rateLimit().get().encoded());
                        } else {
                            delete.add(RecordCodec.RATE_LIMIT);
                        }
                    }
                    if (update.quota() != null) {
                        if (update.quota().isPresent()) {
                            pair(set, RecordCodec.QUOTA, update.quota().get().encoded());
                        } else {
                            delete.add(RecordCodec.QUOTA);
                        }
                    }
                    if (update.metadata() != null) {
                        update.metadata()
                                .forEach(
                                        (name, value) ->
                                                pair(set, RecordCodec.META_PREFIX + name, value));
                    }
                    List<String> args = new ArrayList<>();
                    args.add(Integer.toString(set.size() / 2));
                    args.add(Integer.toString(delete.size()));
                    args.add(update.metadata() != null ? "1" : "0");
                    args.addAll(set);
                    args.addAll(delete);
                    return record(UPDATE, id, args)
                            .flatMap(
                                    changed ->
                                            announce(id)
                                                    .map(
                                                            epoch ->
                                                                    new KeyChange(
                                                                            changed.record(),
                                                                            epoch,
                                                                            changed.replicas())));
                });
    }

    /**
     * Ends the key's rotation grace now: its previous secret stops being accepted (its expiry is
     * set to now, the hash stays, as after a rotation without grace), the version is bumped and the
     * change announced like {@link #update}'s. A compare-and-set on the version read: retried a few
     * times when another change came in between.
     *
     * @return the change, empty when the key does not exist, or a {@link NoGracePeriodException}
     *     when it is not in a grace period
     */
    public Mono<KeyChange> completeRotation(String id) {
        return Mono.defer(() -> attemptComplete(id, 1));
    }

    private Mono<KeyChange> attemptComplete(String id, int attempt) {
        return recordOnly(id)
                .flatMap(
                        current -> {
                            Instant now = now();
                            if (current.previousSecretHash() == null
                                    || !now.isBefore(current.previousSecretExpiresAt())) {
                                return Mono.error(new NoGracePeriodException(id));
                            }
                            return record(
                                            COMPLETE,
                                            id,
                                            List.of(
                                                    Long.toString(current.version()),
                                                    now.toString()))
                                    .flatMap(
                                            changed ->
                                                    announce(id)
                                                            .map(
                                                                    epoch ->
                                                                            new KeyChange(
                                                                                    changed
                                                                                            .record(),
                                                                                    epoch,
                                                                                    changed
                                                                                            .replicas())))
                                    .switchIfEmpty(
                                            Mono.defer(
                                                    () ->
                                                            attempt >= COMPLETE_ATTEMPTS
                                                                    ? Mono.error(
                                                                            new IllegalStateException(
                                                                                    "key "
                                                                                            + id
                                                                                            + " changed "
                                                                                            + attempt
                                                                                            + " times while its grace was ended"))
                                                                    : attemptComplete(
                                                                            id, attempt + 1)));
                        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>The removal is announced even when there was nothing to remove: if an earlier attempt
     * deleted the record and then failed before announcing it (Redis failing over between the two),
     * the caller's retry still tells every gateway. The owner index is cleaned up last and on a
     * best-effort basis: an id left in it has no record, and listing skips it.
     */
    @Override
    public Mono<KeyChange> remove(String id) {
        return record(REMOVE, id, List.of())
                .flatMap(
                        changed ->
                                announce(id)
                                        .flatMap(
                                                epoch ->
                                                        unindex(changed.record().owner(), id)
                                                                .thenReturn(
                                                                        new KeyChange(
                                                                                changed.record(),
                                                                                epoch,
                                                                                changed
                                                                                        .replicas()))))
                .switchIfEmpty(Mono.defer(() -> announce(id).then(Mono.empty())));
    }

    /**
     * Best effort: an id left in the index has no record, and listing skips it; its limit counters
     * and its usage hash go too (left behind, they would expire by themselves: the counters within
     * a day, the usage with its retention). Its daily usage counters are left to expire: ids are
     * never reused, so nothing reads them again.
     */
    private Mono<Void> unindex(String owner, String id) {
        return retried(redis.opsForZSet().remove(keyspace.ownerIndex(owner), id))
                .then(retried(limitCounters.deleteKeyCounters(owner, id)))
                // its usage hash too; its daily counters are left to expire (retention + 1 day)
                .then(retried(redis.delete(keyspace.usageSeen(owner, id))))
                .onErrorResume(error -> Mono.empty())
                .then();
    }

    @Override
    public Mono<KeyPage> listByOwner(String owner, String cursor, int limit) {
        if (limit < 1) {
            return Mono.error(new IllegalArgumentException("limit must be positive: " + limit));
        }
        Range<String> range =
                cursor == null || cursor.isEmpty()
                        ? Range.unbounded()
                        : Range.rightUnbounded(Range.Bound.exclusive(cursor));
        return redis.opsForZSet()
                .rangeByLex(keyspace.ownerIndex(owner), range, Limit.limit().count(limit + 1))
                .collectList()
                .flatMap(
                        ids -> {
                            boolean more = ids.size() > limit;
                            List<String> page = more ? ids.subList(0, limit) : ids;
                            String next = more ? page.get(page.size() - 1) : null;
                            return Flux.fromIterable(page)
                                    .concatMap(this::findById)
                                    // ids whose record is gone (a remove or create cut short) are
                                    // skipped
                                    .filter(record -> record.owner().equals(owner))
                                    .collectList()
                                    .map(records -> new KeyPage(records, next));
                        });
    }

    @Override
    public Mono<Long> currentEpoch() {
        return redis.opsForValue().get(keyspace.epoch()).map(Long::parseLong).defaultIfEmpty(0L);
    }

    /** One {@code MGET} of the epoch and the incarnation (one slot, so Cluster-safe). */
    @Override
    public Mono<EpochReading> readEpoch() {
        return redis.opsForValue()
                .multiGet(List.of(keyspace.epoch(), keyspace.incarnation()))
                .map(
                        values -> {
                            String epoch = values.get(0);
                            String incarnation = values.get(1);
                            return new EpochReading(
                                    epoch == null ? 0L : Long.parseLong(epoch),
                                    incarnation == null
                                            ? EpochReading.NO_INCARNATION
                                            : incarnation);
                        });
    }

    @Override
    public Mono<List<Invalidation>> changesBetween(long after, long through) {
        if (through <= after) {
            return Mono.just(List.of());
        }
        return redis.opsForZSet()
                .rangeByScore(
                        keyspace.changes(),
                        Range.of(
                                Range.Bound.exclusive((double) after),
                                Range.Bound.inclusive((double) through)))
                .map(Invalidation::parse)
                .collectList();
    }

    /**
     * Increments the epoch, logs {@code "<epoch> <id>"} in the change log (trimmed to the newest
     * {@value #CHANGE_LOG_LENGTH}) and publishes it, in one script ({@code announce.lua}: the epoch
     * and the log share a slot); emits the epoch. Retried a few times with a short backoff (a
     * Cluster or Sentinel failover makes single commands fail for a moment); a retry after a lost
     * reply announces twice, which costs gateways nothing but one more invalidation.
     *
     * <p>Every change announces itself; call this only to finish a {@link #createUnannounced} or
     * {@link #rotateUnannounced}, or to announce again a change whose announcement failed.
     */
    public Mono<Long> announce(String id) {
        return retried(
                redis.execute(
                                ANNOUNCE,
                                List.of(
                                        keyspace.epoch(),
                                        keyspace.changes(),
                                        keyspace.incarnation()),
                                List.of(
                                        id,
                                        Integer.toString(CHANGE_LOG_LENGTH),
                                        keyspace.channel(),
                                        UUID.randomUUID().toString()))
                        .next());
    }

    /**
     * At most {@value #ANNOUNCE_RETRIES} retries, 50 ms apart and growing, under a second in all.
     */
    private static <T> Mono<T> retried(Mono<T> command) {
        return command.retryWhen(
                Retry.backoff(ANNOUNCE_RETRIES, Duration.ofMillis(50))
                        .maxBackoff(Duration.ofMillis(400)));
    }

    /** A record as a script returned it, and the replicas that confirmed the write. */
    private record Changed(KeyRecord record, ReplicaAcknowledgement replicas) {}

    /** Runs a record script and decodes the record it returns; empty when it returned nothing. */
    @SuppressWarnings("rawtypes")
    private Mono<Changed> record(RedisScript<List> script, String id, List<String> args) {
        return writer.write(script, keyspace.key(id), args)
                .flatMap(
                        written -> {
                            List<?> reply = written.asList();
                            return reply.isEmpty()
                                    ? Mono.empty()
                                    : Mono.fromCallable(
                                            () ->
                                                    new Changed(
                                                            RecordCodec.decode(
                                                                    RecordCodec.pairs(reply)),
                                                            written.replicas()));
                        });
    }

    private static void pair(List<String> out, String field, String value) {
        out.add(field);
        out.add(value);
    }

    /**
     * Sorted, after the same checks {@link KeyRecord} applies, so nothing unreadable is written.
     */
    private static List<String> sorted(java.util.Set<String> values) {
        for (String value : values) {
            if (value == null || value.isEmpty() || value.chars().anyMatch(c -> c <= ' ')) {
                throw new IllegalArgumentException(
                        "scopes and organizations must be non-empty with no whitespace: '"
                                + value
                                + "'");
            }
        }
        return values.stream().sorted().toList();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
