package dev.keygate.admin.service;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.usage.DailyCount;
import dev.keygate.core.usage.KeySeen;
import dev.keygate.core.usage.RedisUsageStore;
import dev.keygate.core.usage.SecretFingerprint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * Reads what the gateways recorded of keys' usage ({@link RedisUsageStore}) and gives it meaning:
 * which time belongs to the current secret and which to the previous one (by {@link
 * SecretFingerprint}), which granted scopes calls needed within the retention window, which keys
 * are idle. Usage is as fresh as the gateways' last flush (keygate.gateway.usage.flush-interval).
 * Reads only; a store error is an error signal. Non-blocking and thread-safe.
 */
public final class KeyUsageService {

    private final RedisUsageStore store;
    private final Clock clock;

    public KeyUsageService(RedisUsageStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * When a key was used, as an admin reads it.
     *
     * @param lastUsedAt the last accepted request with the current secret; null if none recorded
     * @param previousKeyLastUsedAt during a rotation's grace, the last with the previous secret
     * @param usedScopes granted scopes some call required within the retention, with the last time
     * @param unusedScopes granted scopes no call required within the retention
     */
    public record Summary(
            Instant lastUsedAt,
            Instant previousKeyLastUsedAt,
            Map<String, Instant> usedScopes,
            List<String> unusedScopes) {}

    /** The key's usage summary as of now. */
    public Mono<Summary> summary(KeyRecord record) {
        return store.seen(record.owner(), record.id()).map(seen -> summary(record, seen));
    }

    private Summary summary(KeyRecord record, KeySeen seen) {
        Instant now = clock.instant();
        Instant windowStart = now.minus(store.properties().retention());
        Instant current = seen.secrets().get(SecretFingerprint.of(record.secretHash()));
        boolean inGrace =
                record.previousSecretHash() != null
                        && now.isBefore(record.previousSecretExpiresAt());
        Instant previous =
                inGrace
                        ? seen.secrets().get(SecretFingerprint.of(record.previousSecretHash()))
                        : null;
        Map<String, Instant> used = new java.util.TreeMap<>();
        List<String> unused = new ArrayList<>();
        for (String scope : record.scopes()) {
            Instant at = seen.scopes().get(scope);
            if (at != null && !at.isBefore(windowStart)) {
                used.put(scope, at);
            } else {
                unused.add(scope);
            }
        }
        return new Summary(current, previous, used, unused);
    }

    /** Today, UTC. */
    public LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /** The days usage is kept: the retention in whole days. */
    public long retentionDays() {
        return store.properties().retentionDays();
    }

    /** The key's requests per UTC day, days without requests left out. */
    public Mono<List<DailyCount>> days(KeyRecord record, LocalDate from, LocalDate to) {
        return store.days(record.owner(), record.id(), from, to);
    }

    /**
     * The records, of one owner, not used with any secret for at least {@code unusedFor} (a key
     * never used counts from its creation), in the order given.
     */
    public Mono<List<KeyRecord>> idle(String owner, List<KeyRecord> records, Duration unusedFor) {
        Instant cutoff = clock.instant().minus(unusedFor);
        return store.lastUsed(owner, records.stream().map(KeyRecord::id).toList())
                .map(
                        lastUsed ->
                                records.stream()
                                        .filter(
                                                record -> {
                                                    Instant last =
                                                            lastUsed.getOrDefault(
                                                                    record.id(),
                                                                    record.createdAt());
                                                    if (last.isBefore(record.createdAt())) {
                                                        last = record.createdAt();
                                                    }
                                                    return !last.isAfter(cutoff);
                                                })
                                        .toList());
    }
}
