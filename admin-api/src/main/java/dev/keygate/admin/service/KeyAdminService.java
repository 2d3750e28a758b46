package dev.keygate.admin.service;

import dev.keygate.admin.audit.AuditAction;
import dev.keygate.admin.audit.AuditEvent;
import dev.keygate.admin.audit.AuditTrail;
import dev.keygate.admin.auth.AdminPrincipal;
import dev.keygate.admin.idempotency.IdempotencyStore;
import dev.keygate.admin.idempotency.IdempotentOutcome;
import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.web.KeyPageView;
import dev.keygate.admin.web.KeyRequestReader;
import dev.keygate.admin.web.KeyView;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.store.KeyUpdate;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.store.ReplicaAcknowledgement;
import dev.keygate.core.store.WrittenKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import reactor.core.publisher.Mono;
import tools.jackson.databind.ObjectMapper;

/**
 * The admin operations: reads and checks the request ({@link KeyRequestReader}), makes the change
 * through the {@link RedisKeyStore} (which writes atomically per key, bumps the epoch and publishes
 * the invalidation), then appends the audit event. Create and rotate go through the {@link
 * IdempotencyStore}: their record write comes first, then, once the idempotency store has kept the
 * answer as committed, the announcement and the audit event.
 *
 * <p>Order and failure policy: input is checked before anything is written, so a refused request
 * changes nothing. A store error is an error signal (503 to the caller); the store's per-key
 * scripts make each change all-or-nothing. A create or rotation that fails after its write answers
 * 503 too; retried with the same Idempotency-Key it announces and audits what the first attempt
 * wrote and answers that, never writing again. Without the header a retry writes again.
 * Non-blocking and thread-safe.
 */
public final class KeyAdminService {

    private final RedisKeyStore store;
    private final AuditTrail audit;
    private final IdempotencyStore idempotency;
    private final KeyRequestReader reader;
    private final ApiKeyFormat format;
    private final Clock clock;
    private final ObjectMapper json;

    public KeyAdminService(
            RedisKeyStore store,
            AuditTrail audit,
            IdempotencyStore idempotency,
            KeyRequestReader reader,
            ApiKeyFormat format,
            Clock clock,
            ObjectMapper json) {
        this.store = Objects.requireNonNull(store, "store");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.idempotency = Objects.requireNonNull(idempotency, "idempotency");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.format = Objects.requireNonNull(format, "format");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.json = Objects.requireNonNull(json, "json");
    }

    /** Who asks, under which request id. */
    public record Caller(AdminPrincipal principal, String requestId) {}

    public Mono<KeyView> get(String id) {
        return Mono.defer(
                () ->
                        store.findById(KeyRequestReader.requireId(id))
                                .switchIfEmpty(notFound(id))
                                .map(this::view));
    }

    public Mono<KeyPageView> list(String owner, String cursor, String limit) {
        return Mono.defer(
                () -> {
                    String validOwner = KeyRequestReader.readOwner(owner);
                    String validCursor = KeyRequestReader.readCursor(cursor);
                    int validLimit = KeyRequestReader.readLimit(limit);
                    return store.listByOwner(validOwner, validCursor, validLimit)
                            .map(
                                    page ->
                                            new KeyPageView(
                                                    page.keys().stream().map(this::view).toList(),
                                                    page.nextCursor()));
                });
    }

    public Mono<ChangeOutcome<KeyView>> create(
            Caller caller, Map<String, Object> body, String idempotencyKey) {
        return Mono.defer(
                () -> {
                    NewKey key = reader.readCreate(body);
                    String idem = KeyRequestReader.readIdempotencyKey(idempotencyKey);
                    Mono<CommittedKey> write =
                            store.createUnannounced(key)
                                    .map(
                                            written ->
                                                    committed(
                                                            caller,
                                                            AuditAction.CREATED,
                                                            written,
                                                            createdChanges(written.record())));
                    return uncancellable(
                                    idempotency.execute(
                                            caller.principal(),
                                            "create",
                                            idem,
                                            IdempotencyStore.fingerprint(
                                                    "POST /v1/keys", canonical(body)),
                                            CommittedKey.class,
                                            write,
                                            this::finish))
                            .map(KeyAdminService::outcome);
                });
    }

    public Mono<ChangeOutcome<KeyView>> rotate(
            Caller caller, String id, Map<String, Object> body, String idempotencyKey) {
        return Mono.defer(
                () -> {
                    String validId = KeyRequestReader.requireId(id);
                    Duration grace = reader.readRotate(body);
                    String idem = KeyRequestReader.readIdempotencyKey(idempotencyKey);
                    Mono<CommittedKey> write =
                            store.rotateUnannounced(validId, grace)
                                    .switchIfEmpty(notFound(validId))
                                    .map(
                                            written -> {
                                                KeyRecord record = written.record();
                                                Map<String, String> changes = new LinkedHashMap<>();
                                                changes.put("gracePeriod", grace.toString());
                                                changes.put(
                                                        "rotatedAt", record.rotatedAt().toString());
                                                if (record.previousSecretExpiresAt() != null) {
                                                    changes.put(
                                                            "previousKeyExpiresAt",
                                                            record.previousSecretExpiresAt()
                                                                    .toString());
                                                }
                                                changes.put(
                                                        "version", Long.toString(record.version()));
                                                return committed(
                                                        caller,
                                                        AuditAction.ROTATED,
                                                        written,
                                                        changes);
                                            });
                    return uncancellable(
                                    idempotency.execute(
                                            caller.principal(),
                                            "rotate",
                                            idem,
                                            IdempotencyStore.fingerprint(
                                                    "POST /v1/keys/" + validId + "/rotate",
                                                    body == null ? "" : canonical(body)),
                                            CommittedKey.class,
                                            write,
                                            this::finish))
                            .map(KeyAdminService::outcome);
                });
    }

    /**
     * A create or rotation once its record is written: the answer, the replicas that confirmed the
     * write and the audit event still to append. Kept (encrypted) by the {@link IdempotencyStore}
     * so that a retry after a failure finishes the steps instead of writing again.
     *
     * @param view the answer, with the full key
     * @param replicas the replicas that confirmed the write
     * @param event the audit event of the change
     */
    record CommittedKey(KeyView view, ReplicaAcknowledgement replicas, AuditEvent event) {}

    private CommittedKey committed(
            Caller caller, AuditAction action, WrittenKey written, Map<String, String> changes) {
        return new CommittedKey(
                view(written.record()).withKey(written.key()),
                written.replicas(),
                event(caller, action, written.record(), withReplicas(changes, written.replicas())));
    }

    /**
     * The steps after a create or rotation's write: announce it, then append its audit event. Run
     * again by a retry when they failed; announcing twice costs gateways one more invalidation, and
     * the event may then be appended twice (never not at all).
     */
    private Mono<Void> finish(CommittedKey committed) {
        return store.announce(committed.view().id()).then(audit.append(committed.event())).then();
    }

    /** Emits how many replicas confirmed the removal. */
    public Mono<ReplicaAcknowledgement> remove(Caller caller, String id) {
        return Mono.defer(
                () -> {
                    String validId = KeyRequestReader.requireId(id);
                    return uncancellable(
                            store.remove(validId)
                                    .switchIfEmpty(notFound(validId))
                                    .flatMap(
                                            change ->
                                                    audit(
                                                                    caller,
                                                                    AuditAction.REMOVED,
                                                                    change.record(),
                                                                    withReplicas(
                                                                            new LinkedHashMap<>(),
                                                                            change.replicas()))
                                                            .thenReturn(change.replicas())));
                });
    }

    public Mono<ChangeOutcome<KeyView>> update(Caller caller, String id, Map<String, Object> body) {
        return Mono.defer(
                () -> {
                    String validId = KeyRequestReader.requireId(id);
                    KeyUpdate update = reader.readUpdate(body);
                    return uncancellable(
                            store.update(validId, update)
                                    .switchIfEmpty(notFound(validId))
                                    .flatMap(
                                            change ->
                                                    audit(
                                                                    caller,
                                                                    AuditAction.UPDATED,
                                                                    change.record(),
                                                                    withReplicas(
                                                                            updatedChanges(update),
                                                                            change.replicas()))
                                                            .thenReturn(
                                                                    new ChangeOutcome<>(
                                                                            view(change.record()),
                                                                            false,
                                                                            change.replicas()))));
                });
    }

    public Mono<List<AuditEvent>> audit(String keyId, String limit) {
        return Mono.defer(
                () ->
                        audit.read(
                                KeyRequestReader.readKeyIdFilter(keyId),
                                KeyRequestReader.readLimit(limit)));
    }

    private Mono<AuditEvent> audit(
            Caller caller, AuditAction action, KeyRecord record, Map<String, String> changes) {
        return audit.append(event(caller, action, record, changes));
    }

    private AuditEvent event(
            Caller caller, AuditAction action, KeyRecord record, Map<String, String> changes) {
        return AuditEvent.of(
                clock.instant().truncatedTo(ChronoUnit.MILLIS),
                action,
                record.id(),
                record.owner(),
                caller.principal().name(),
                caller.requestId(),
                changes);
    }

    /**
     * A replay made no change now, so it reports no replicas (its headers are those of a change
     * that was not asked to wait).
     */
    private static ChangeOutcome<KeyView> outcome(IdempotentOutcome<CommittedKey> outcome) {
        return new ChangeOutcome<>(
                outcome.value().view(),
                outcome.replayed(),
                outcome.replayed()
                        ? ReplicaAcknowledgement.NOT_REQUESTED
                        : outcome.value().replicas());
    }

    /** Records in the audit event how many replicas confirmed, when the store waited for them. */
    private static Map<String, String> withReplicas(
            Map<String, String> changes, ReplicaAcknowledgement replicas) {
        if (replicas.requested()) {
            changes.put(
                    "replicasAcknowledged", replicas.acknowledged() + "/" + replicas.required());
        }
        return changes;
    }

    private static Map<String, String> createdChanges(KeyRecord record) {
        Map<String, String> changes = new LinkedHashMap<>();
        changes.put("name", record.name());
        changes.put("scopes", String.join(" ", record.scopes()));
        changes.put("organizations", String.join(" ", record.organizations()));
        changes.put("expiresAt", record.expiresAt() == null ? "" : record.expiresAt().toString());
        changes.put("enabled", Boolean.toString(record.enabled()));
        record.metadata().forEach((k, v) -> changes.put("metadata." + k, v));
        return changes;
    }

    private static Map<String, String> updatedChanges(KeyUpdate update) {
        Map<String, String> changes = new LinkedHashMap<>();
        if (update.name() != null) {
            changes.put("name", update.name());
        }
        if (update.scopes() != null) {
            changes.put("scopes", String.join(" ", update.scopes().stream().sorted().toList()));
        }
        if (update.organizations() != null) {
            changes.put(
                    "organizations",
                    String.join(" ", update.organizations().stream().sorted().toList()));
        }
        if (update.expiresAt() != null) {
            changes.put("expiresAt", update.expiresAt().map(Instant::toString).orElse(""));
        }
        if (update.enabled() != null) {
            changes.put("enabled", update.enabled().toString());
        }
        if (update.metadata() != null) {
            changes.put("metadata", String.join(" ", new TreeMap<>(update.metadata()).keySet()));
            update.metadata().forEach((k, v) -> changes.put("metadata." + k, v));
        }
        return changes;
    }

    private KeyView view(KeyRecord record) {
        return KeyView.of(record, format, clock.instant());
    }

    /** The body with its object keys sorted, as JSON: equal requests have equal forms. */
    private String canonical(Map<String, Object> body) {
        return json.writeValueAsString(sortKeys(body));
    }

    private static Object sortKeys(Object value) {
        if (value instanceof Map<?, ?> map) {
            TreeMap<String, Object> sorted = new TreeMap<>();
            map.forEach((k, v) -> sorted.put(String.valueOf(k), sortKeys(v)));
            return sorted;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(KeyAdminService::sortKeys).toList();
        }
        return value;
    }

    /**
     * A change, once started, runs to the end (store write, audit event, idempotent answer) even
     * when the caller disconnects and the response is cancelled, so a dropped connection never
     * leaves a change without its audit event or its stored answer.
     */
    private static <T> Mono<T> uncancellable(Mono<T> change) {
        return Mono.fromFuture(change::toFuture, true);
    }

    private static <T> Mono<T> notFound(String id) {
        return Mono.error(() -> ProblemException.notFound("no key with id '" + id + "'"));
    }
}
