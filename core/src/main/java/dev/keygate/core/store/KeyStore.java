package dev.keygate.core.store;

import dev.keygate.core.key.KeyRecord;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Reads and changes key records. Every change is atomic per key and, once written, increments the
 * epoch and publishes an {@link Invalidation}, so caches everywhere drop the old record.
 *
 * <p>Every method is non-blocking and may be called from any thread, event loops included. Errors
 * from the store (unreachable, timeout) surface as error signals; callers must treat them as "the
 * truth is unknown" and fail closed.
 */
public interface KeyStore {

    /** The record for {@code id}, or empty when there is none. */
    Mono<KeyRecord> findById(String id);

    /** Creates a key with a new id and secret. */
    Mono<IssuedKey> create(NewKey key);

    /**
     * Gives the key a new secret. With a positive {@code gracePeriod} the replaced secret keeps
     * working until then; with zero it stops at once. A secret still in a previous grace is dropped
     * either way: only the current and the just-replaced secret are ever accepted. The replaced
     * secret's hash is kept (with its end instant) even without grace, so that gateways can count
     * requests still using a rotated-away secret as {@code revoked} rather than as wrong.
     *
     * @return the new key, or empty when {@code id} does not exist
     */
    Mono<IssuedKey> rotate(String id, Duration gracePeriod);

    /** Applies a partial change; empty when {@code id} does not exist. */
    Mono<KeyChange> update(String id, KeyUpdate update);

    /**
     * Removes the key for good; empty when {@code id} does not exist. Announced either way, so that
     * retrying a removal whose first attempt failed after deleting still reaches every gateway.
     */
    Mono<KeyChange> remove(String id);

    /**
     * One page of {@code owner}'s keys in id order, starting after {@code cursor} ({@code null} for
     * the first page).
     */
    Mono<KeyPage> listByOwner(String owner, String cursor, int limit);

    /** The current epoch: 0 when nothing was ever changed. */
    Mono<Long> currentEpoch();

    /**
     * The current epoch with the store's incarnation: a random id written once, next to the epoch,
     * by the first change a store ever sees. A different incarnation means a different store
     * (wiped, replaced, rebuilt): epochs of the old one say nothing about it, whatever their
     * numbers. The default has no incarnation ({@link EpochReading#NO_INCARNATION}).
     */
    default Mono<EpochReading> readEpoch() {
        return currentEpoch().map(epoch -> new EpochReading(epoch, EpochReading.NO_INCARNATION));
    }

    /**
     * The changes announced with an epoch above {@code after} and at most {@code through}, oldest
     * first, as far as the store still holds them. The answer may miss some (a change whose writer
     * has not logged it yet or never will, or one trimmed from a bounded log): callers must check
     * that every epoch in the range is there before relying on it. The default holds none.
     */
    default Mono<List<Invalidation>> changesBetween(long after, long through) {
        return Mono.just(List.of());
    }
}
