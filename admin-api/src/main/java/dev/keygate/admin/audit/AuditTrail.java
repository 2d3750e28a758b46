package dev.keygate.admin.audit;

import dev.keygate.core.store.RedisKeyspace;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.connection.RedisStreamCommands.XAddOptions;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.publisher.Mono;

/**
 * The audit trail: a Redis Stream ({@link RedisKeyspace#audit()}, {@code <ns>:audit}) capped with
 * {@code XADD MAXLEN ~ <max>}, so it keeps roughly the last {@code keygate.admin.audit-max-length}
 * events (Redis may keep a few more; older ones are trimmed). Entries are flat field maps: {@code
 * time}, {@code action}, {@code keyId} (not in an owner's events, which belong to no key), {@code
 * owner}, {@code actor}, {@code requestId} and one {@code change.<property>} per changed property.
 *
 * <p>Non-blocking and thread-safe. Failure policy: an append that fails is an error signal; the
 * caller answers 503 although the key change it follows was already made (the store cannot undo
 * it), so a retry may be audited twice but never silently not at all.
 */
public final class AuditTrail {

    static final String TIME = "time";
    static final String ACTION = "action";
    static final String KEY_ID = "keyId";
    static final String OWNER = "owner";
    static final String ACTOR = "actor";
    static final String REQUEST_ID = "requestId";
    static final String CHANGE_PREFIX = "change.";

    /** Entries read per {@code XREVRANGE} when filtering by key. */
    private static final int SCAN_BATCH = 500;

    private final ReactiveStringRedisTemplate redis;
    private final String stream;
    private final long maxLength;

    public AuditTrail(ReactiveStringRedisTemplate redis, RedisKeyspace keyspace, long maxLength) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.stream = keyspace.audit();
        this.maxLength = maxLength;
    }

    /** The Redis key of the stream. */
    public String stream() {
        return stream;
    }

    /** Appends an event; emits it with its entry id. */
    public Mono<AuditEvent> append(AuditEvent event) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(TIME, event.time().toString());
        fields.put(ACTION, event.action());
        if (event.keyId() != null) {
            // an owner's event (its limits) belongs to no key
            fields.put(KEY_ID, event.keyId());
        }
        fields.put(OWNER, event.owner());
        fields.put(ACTOR, event.actor());
        fields.put(REQUEST_ID, event.requestId());
        new TreeMap<>(event.changes()).forEach((k, v) -> fields.put(CHANGE_PREFIX + k, v));
        MapRecord<String, String, String> record =
                StreamRecords.newRecord().in(stream).ofMap(fields);
        return redis.<String, String>opsForStream()
                .add(record, XAddOptions.maxlen(maxLength).approximateTrimming(true))
                .map(
                        id ->
                                new AuditEvent(
                                        id.getValue(),
                                        event.time(),
                                        event.action(),
                                        event.keyId(),
                                        event.owner(),
                                        event.actor(),
                                        event.requestId(),
                                        event.changes()));
    }

    /**
     * The newest events first, at most {@code limit}; only those of {@code keyId} and only those of
     * {@code owner} when they are not {@code null}. Filtering scans the stream backwards in
     * batches, so its cost is bounded by the stream's cap.
     */
    public Mono<List<AuditEvent>> read(String keyId, String owner, int limit) {
        return scan(keyId, owner, limit, Range.unbounded(), new ArrayList<>());
    }

    private Mono<List<AuditEvent>> scan(
            String keyId, String owner, int limit, Range<String> range, List<AuditEvent> found) {
        int batch = keyId == null && owner == null ? limit : SCAN_BATCH;
        return redis.<String, String>opsForStream()
                .reverseRange(stream, range, Limit.limit().count(batch))
                .collectList()
                .flatMap(
                        records -> {
                            for (MapRecord<String, String, String> record : records) {
                                AuditEvent event = decode(record);
                                if ((keyId == null || keyId.equals(event.keyId()))
                                        && (owner == null || owner.equals(event.owner()))) {
                                    found.add(event);
                                    if (found.size() == limit) {
                                        return Mono.just(List.copyOf(found));
                                    }
                                }
                            }
                            if (records.size() < batch) {
                                return Mono.just(List.copyOf(found));
                            }
                            String last = records.get(records.size() - 1).getId().getValue();
                            String before = previousId(last);
                            if (before == null) {
                                return Mono.just(List.copyOf(found));
                            }
                            return scan(
                                    keyId,
                                    owner,
                                    limit,
                                    Range.leftUnbounded(Range.Bound.inclusive(before)),
                                    found);
                        });
    }

    /** The greatest stream id smaller than {@code id}, or {@code null} when there is none. */
    static String previousId(String id) {
        int dash = id.indexOf('-');
        long ms = Long.parseLong(id.substring(0, dash));
        long seq = Long.parseUnsignedLong(id.substring(dash + 1));
        if (seq != 0) {
            return ms + "-" + Long.toUnsignedString(seq - 1);
        }
        if (ms == 0) {
            return null;
        }
        return (ms - 1) + "-" + Long.toUnsignedString(-1L);
    }

    private static AuditEvent decode(MapRecord<String, String, String> record) {
        Map<String, String> fields = record.getValue();
        Map<String, String> changes = new TreeMap<>();
        fields.forEach(
                (k, v) -> {
                    if (k.startsWith(CHANGE_PREFIX)) {
                        changes.put(k.substring(CHANGE_PREFIX.length()), v);
                    }
                });
        String time = fields.get(TIME);
        return new AuditEvent(
                record.getId().getValue(),
                time == null ? null : Instant.parse(time),
                fields.get(ACTION),
                fields.get(KEY_ID),
                fields.get(OWNER),
                fields.get(ACTOR),
                fields.get(REQUEST_ID),
                changes);
    }
}
