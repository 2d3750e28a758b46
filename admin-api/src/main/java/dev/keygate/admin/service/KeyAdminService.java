package dev.keygate.admin.service;

import dev.keygate.admin.audit.AuditAction;
import dev.keygate.admin.audit.AuditEvent;
import dev.keygate.admin.audit.AuditTrail;
import dev.keygate.admin.auth.AdminPrincipal;
import dev.keygate.admin.idempotency.IdempotencyStore;
import dev.keygate.admin.idempotency.IdempotentOutcome;
import dev.keygate.admin.idempotency.IdempotentRequest;
import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.problem.ProblemType;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.limit.LimitUsage;
import dev.keygate.core.limit.RedisLimitCounters;
import dev.keygate.core.store.KeyChange;
import dev.keygate.core.store.KeyPage;
import dev.keygate.core.store.KeyUpdate;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.store.NoGracePeriodException;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * The admin operations on core types ({@link NewKey}, {@link KeyUpdate}, {@link Duration}, {@link
 * KeyRecord}); the web layer binds and validates requests before calling, and renders the answers.
 * Makes the change through the {@link RedisKeyStore} (which writes atomically per key, bumps the
 * epoch and publishes the invalidation), then appends the audit event. Create and rotate go through
 * the {@link IdempotencyStore}: their record write comes first, then, once the idempotency store
 * has kept the answer as committed, the announcement and the audit event.
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
    private final RedisLimitCounters counters;
    private final AuditTrail audit;
    private final IdempotencyStore idempotency;
    private final Clock clock;

    public KeyAdminService(
            RedisKeyStore store,
            RedisLimitCounters counters,
            AuditTrail audit,
            IdempotencyStore idempotency,
            Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.idempotency = Objects.requireNonNull(idempotency, "idempotency");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Who asks, under which request id. */
    public record Caller(AdminPrincipal principal, String requestId) {}

    /** The key with this id; a {@code not-found} problem when there is none. */
    public Mono<KeyRecord> get(String id) {
        return store.findById(id).switchIfEmpty(notFound(id));
    }

    /**
     * What the key used of its own limits now (read from the counters without counting); {@link
     * LimitUsage#NONE} without limits, with no Redis call.
     */
    public Mono<LimitUsage> usage(KeyRecord record) {
        return counters.keyUsage(record.owner(), record.id(), record.limits());
    }

    /** One page of an owner's keys, in id order, after {@code cursor} (or from the start). */
    public Mono<KeyPage> list(String owner, String cursor, int limit) {
        return store.listByOwner(owner, cursor, limit);
    }

    /** Creates a key; the answer is made once, as {@link KeyAnswer} says. */
    public <A> Mono<ChangeOutcome<A>> create(
            Caller caller, NewKey key, IdempotentRequest request, KeyAnswer<A> answer) {
        return minting(
                caller,
                "create",
                AuditAction.CREATED,
                Mono.defer(() -> store.createUnannounced(key)),
                KeyAdminService::createdChanges,
                request,
                answer);
    }

    /** Rotates a key's secret; the answer is made once, as {@link KeyAnswer} says. */
    public <A> Mono<ChangeOutcome<A>> rotate(
            Caller caller,
            String id,
            Duration grace,
            IdempotentRequest request,
            KeyAnswer<A> answer) {
        return minting(
                caller,
                "rotate",
                AuditAction.ROTATED,
                Mono.defer(() -> store.rotateUnannounced(id, grace)).switchIfEmpty(notFound(id)),
                record -> rotatedChanges(record, grace),
                request,
                answer);
    }

    /**
     * A change that mints a key (create, rotate): the write, then, through the {@link
     * IdempotencyStore}, the stored answer, the announcement and the audit event.
     *
     * @param operation part of the idempotency slot's identity ({@code create}, {@code rotate})
     */
    private <A> Mono<ChangeOutcome<A>> minting(
            Caller caller,
            String operation,
            AuditAction action,
            Mono<WrittenKey> write,
            Function<KeyRecord, Map<String, String>> changes,
            IdempotentRequest request,
            KeyAnswer<A> answer) {
        // the epoch of this request's announcement; a replay of a finished answer announces
        // nothing and keeps UNKNOWN_EPOCH
        AtomicLong announced = new AtomicLong(ChangeOutcome.UNKNOWN_EPOCH);
        Mono<CommittedKey<A>> committed =
                write.map(
                        written ->
                                committed(
                                        caller,
                                        action,
                                        written,
                                        changes.apply(written.record()),
                                        answer.render()));
        return uncancellable(
                        idempotency.<CommittedKey<A>>execute(
                                caller.principal(),
                                operation,
                                request,
                                types ->
                                        types.constructParametricType(
                                                CommittedKey.class, answer.type()),
                                committed,
                                value -> finish(value, announced)))
                .map(outcome -> outcome(outcome, announced.get()));
    }

    private static Map<String, String> rotatedChanges(KeyRecord record, Duration grace) {
        Map<String, String> changes = new LinkedHashMap<>();
        changes.put("gracePeriod", grace.toString());
        changes.put("rotatedAt", record.rotatedAt().toString());
        if (record.previousSecretExpiresAt() != null) {
            changes.put("previousKeyExpiresAt", record.previousSecretExpiresAt().toString());
        }
        changes.put("version", Long.toString(record.version()));
        return changes;
    }

    /**
     * A create or rotation once its record is written: the answer, the replicas that confirmed the
     * write and the audit event still to append. Kept (encrypted) by the {@link IdempotencyStore}
     * so that a retry after a failure finishes the steps instead of writing again.
     *
     * @param id the key's id
     * @param answer the answer, with the full key
     * @param replicas the replicas that confirmed the write
     * @param event the audit event of the change
     */
    record CommittedKey<A>(
            String id, A answer, ReplicaAcknowledgement replicas, AuditEvent event) {}

    private <A> CommittedKey<A> committed(
            Caller caller,
            AuditAction action,
            WrittenKey written,
            Map<String, String> changes,
            Function<WrittenKey, A> answer) {
        return new CommittedKey<>(
                written.record().id(),
                answer.apply(written),
                written.replicas(),
                event(caller, action, written.record(), withReplicas(changes, written.replicas())));
    }

    /**
     * The steps after a create or rotation's write: announce it, then append its audit event. Run
     * again by a retry when they failed; announcing twice costs gateways one more invalidation, and
     * the event may then be appended twice (never not at all).
     */
    private Mono<Void> finish(CommittedKey<?> committed, AtomicLong announced) {
        return store.announce(committed.id())
                .doOnNext(announced::set)
                .then(audit.append(committed.event()))
                .then();
    }

    /** Emits the record as it was before the removal, with the change's replicas and epoch. */
    public Mono<ChangeOutcome<KeyRecord>> remove(Caller caller, String id) {
        return recorded(
                caller,
                id,
                AuditAction.REMOVED,
                () -> store.remove(id),
                change -> new LinkedHashMap<>());
    }

    /** Changes the properties {@code update} names; emits the record after the change. */
    public Mono<ChangeOutcome<KeyRecord>> update(Caller caller, String id, KeyUpdate update) {
        return recorded(
                caller,
                id,
                AuditAction.UPDATED,
                () -> store.update(id, update),
                change -> updatedChanges(update));
    }

    /**
     * Ends the key's rotation grace at once: its previous secret fails from now on. Emits the
     * record after the change; a {@code no-grace-period} problem (409) when the key is not in a
     * grace. Audited as {@code rotation_completed}.
     */
    public Mono<ChangeOutcome<KeyRecord>> completeRotation(Caller caller, String id) {
        return recorded(
                caller,
                id,
                AuditAction.ROTATION_COMPLETED,
                () ->
                        store.completeRotation(id)
                                .onErrorMap(
                                        NoGracePeriodException.class,
                                        error ->
                                                new ProblemException(
                                                        ProblemType.NO_GRACE_PERIOD,
                                                        error.getMessage())),
                change -> new LinkedHashMap<>());
    }

    /**
     * A change that mints no key: the store's change ({@code not-found} when it finds no key), then
     * its audit event with {@code changes} and the replicas, then the outcome with the change's
     * record, replicas and epoch. Runs to the end once started ({@link #uncancellable}).
     */
    private Mono<ChangeOutcome<KeyRecord>> recorded(
            Caller caller,
            String id,
            AuditAction action,
            Supplier<Mono<KeyChange>> write,
            Function<KeyChange, Map<String, String>> changes) {
        return Mono.defer(
                () ->
                        uncancellable(
                                write.get()
                                        .switchIfEmpty(notFound(id))
                                        .flatMap(
                                                change ->
                                                        audit(
                                                                        caller,
                                                                        action,
                                                                        change.record(),
                                                                        withReplicas(
                                                                                changes.apply(
                                                                                        change),
                                                                                change.replicas()))
                                                                .thenReturn(
                                                                        new ChangeOutcome<>(
                                                                                change.record(),
                                                                                false,
                                                                                change.replicas(),
                                                                                change.epoch())))));
    }

    /**
     * The newest audit events first, at most {@code limit}; only {@code keyId}'s and only {@code
     * owner}'s (its keys' and its own limits' events) unless null.
     */
    public Mono<List<AuditEvent>> audit(String keyId, String owner, int limit) {
        return audit.read(keyId, owner, limit);
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
    private static <A> ChangeOutcome<A> outcome(
            IdempotentOutcome<CommittedKey<A>> outcome, long epoch) {
        return new ChangeOutcome<>(
                outcome.value().answer(),
                outcome.replayed(),
                outcome.replayed()
                        ? ReplicaAcknowledgement.NOT_REQUESTED
                        : outcome.value().replicas(),
                epoch);
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
        if (record.limits().rateLimit() != null) {
            changes.put(
                    LimitChanges.RATE_LIMIT, LimitChanges.rateLimit(record.limits().rateLimit()));
        }
        if (record.limits().quota() != null) {
            changes.put(LimitChanges.QUOTA, LimitChanges.quota(record.limits().quota()));
        }
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
        if (update.rateLimit() != null) {
            changes.put(
                    LimitChanges.RATE_LIMIT,
                    LimitChanges.rateLimit(update.rateLimit().orElse(null)));
        }
        if (update.quota() != null) {
            changes.put(LimitChanges.QUOTA, LimitChanges.quota(update.quota().orElse(null)));
        }
        return changes;
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
