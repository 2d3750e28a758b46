package dev.keygate.admin.service;

import dev.keygate.admin.audit.AuditAction;
import dev.keygate.admin.audit.AuditEvent;
import dev.keygate.admin.audit.AuditTrail;
import dev.keygate.admin.service.KeyAdminService.Caller;
import dev.keygate.core.limit.LimitUsage;
import dev.keygate.core.limit.RedisLimitCounters;
import dev.keygate.core.limit.UsageLimits;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.store.ReplicaAcknowledgement;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * An owner's shared limits (one rate limit and one quota for all its keys together), on core types:
 * read them with their usage, set them, remove them. The web layer validates the owner and the
 * limits before calling.
 *
 * <p>Order and failure policy: the store writes the limits (one hash) and then announces every key
 * of the owner, so that gateways reload the records they cached with the old limits; a removal then
 * deletes the owner's counters (so limits set again later start from nothing); then the audit event
 * ({@code limits_set} or {@code limits_removed}, owner and new limits, no key id) is appended. A
 * store error is an error signal (503 to the caller) and may come after the write: setting or
 * removing limits is idempotent, so the caller simply retries. The owner's limits are written
 * through the shared template, not the record writer, so they are never waited for with {@code
 * WAIT} and their answers carry no {@code Keygate-Replicas-*} headers. Once started, a change runs
 * to the end even if the caller disconnects. Non-blocking and thread-safe.
 */
public final class OwnerLimitsService {

    private final RedisKeyStore store;
    private final RedisLimitCounters counters;
    private final AuditTrail audit;
    private final Clock clock;

    public OwnerLimitsService(
            RedisKeyStore store, RedisLimitCounters counters, AuditTrail audit, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * An owner's limits and what its keys together used of them now.
     *
     * @param limits {@link UsageLimits#NONE} when none are set
     * @param usage {@link LimitUsage#NONE} without limits
     */
    public record OwnerLimits(String owner, UsageLimits limits, LimitUsage usage) {}

    /** The owner's limits and their usage; no limits is an answer, not an error. */
    public Mono<OwnerLimits> get(String owner) {
        return store.ownerLimits(owner)
                .flatMap(
                        limits ->
                                counters.ownerUsage(owner, limits)
                                        .map(usage -> new OwnerLimits(owner, limits, usage)));
    }

    /**
     * Sets the owner's limits, replacing both; {@link UsageLimits#NONE} is {@link #remove}. Emits
     * the limits now set, with the epoch of the last key's announcement (the current epoch when the
     * owner has no keys).
     */
    public Mono<ChangeOutcome<UsageLimits>> set(Caller caller, String owner, UsageLimits limits) {
        if (limits.isEmpty()) {
            return remove(caller, owner);
        }
        Map<String, String> changes = new LinkedHashMap<>();
        LimitChanges.putAll(changes, limits);
        return uncancellable(
                Mono.defer(() -> store.setOwnerLimits(owner, limits))
                        .flatMap(
                                epoch ->
                                        audit(caller, AuditAction.LIMITS_SET, owner, changes)
                                                .thenReturn(outcome(limits, epoch))));
    }

    /**
     * Removes the owner's limits and deletes their counters; nothing set is not an error. Emits
     * {@link UsageLimits#NONE} with the epoch of the last announcement.
     */
    public Mono<ChangeOutcome<UsageLimits>> remove(Caller caller, String owner) {
        Map<String, String> changes = new LinkedHashMap<>();
        LimitChanges.putAll(changes, UsageLimits.NONE);
        return uncancellable(
                Mono.defer(() -> store.setOwnerLimits(owner, UsageLimits.NONE))
                        .flatMap(
                                epoch ->
                                        counters.deleteOwnerCounters(owner)
                                                .then(
                                                        audit(
                                                                caller,
                                                                AuditAction.LIMITS_REMOVED,
                                                                owner,
                                                                changes))
                                                .thenReturn(outcome(UsageLimits.NONE, epoch))));
    }

    /** An owner's limits are not written through the record writer: no replicas to report. */
    private static ChangeOutcome<UsageLimits> outcome(UsageLimits limits, long epoch) {
        return new ChangeOutcome<>(limits, false, ReplicaAcknowledgement.NOT_REQUESTED, epoch);
    }

    private Mono<AuditEvent> audit(
            Caller caller, AuditAction action, String owner, Map<String, String> changes) {
        return Mono.defer(
                () ->
                        audit.append(
                                AuditEvent.of(
                                        clock.instant().truncatedTo(ChronoUnit.MILLIS),
                                        action,
                                        null,
                                        owner,
                                        caller.principal().name(),
                                        caller.requestId(),
                                        changes)));
    }

    /** As in {@link KeyAdminService}: a started change is not cut short by a disconnect. */
    private static <T> Mono<T> uncancellable(Mono<T> change) {
        return Mono.fromFuture(change::toFuture, true);
    }
}
