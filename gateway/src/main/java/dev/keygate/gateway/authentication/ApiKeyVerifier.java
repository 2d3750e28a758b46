package dev.keygate.gateway.authentication;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.key.KeyRecord.SecretMatch;
import dev.keygate.core.key.ParsedApiKey;
import dev.keygate.core.key.SecretHash;
import dev.keygate.gateway.cache.KeyCache;
import dev.keygate.gateway.cache.KeyLookup;
import java.time.Clock;
import java.time.Instant;
import reactor.core.publisher.Mono;

/**
 * Decides whether a well-formed key is valid: looks its id up in the {@link KeyCache}, compares the
 * secret's hash in constant time, then checks that the key is enabled and not expired at the
 * injected {@link Clock}'s now. During a rotation grace the previous secret is valid too, and the
 * verification says so (the filter then adds {@code Deprecation} and {@code Sunset}).
 *
 * <p>The secret is checked first, so only a caller who holds the secret learns (through metrics,
 * never through the response) that a key is expired or disabled.
 *
 * <p>Failure policy: a store failure is an error signal, never a verdict; the filter answers 503.
 * Thread-safe.
 */
public final class ApiKeyVerifier {

    private final KeyCache cache;
    private final Clock clock;

    public ApiKeyVerifier(KeyCache cache, Clock clock) {
        this.cache = cache;
        this.clock = clock;
    }

    /** Verifies {@code key}; errors when the store cannot be asked. */
    public Mono<Verification> verify(ParsedApiKey key) {
        SecretHash presented = key.secretHash();
        return cache.lookup(key.id()).map(lookup -> decide(lookup, presented));
    }

    /**
     * Verifies {@code key} at once when the cache can answer without reading the store (see {@link
     * KeyCache#lookupCached(String)}); {@code null} otherwise, and then {@link
     * #verify(ParsedApiKey)} must be asked. Same verdicts as {@code verify}.
     */
    public Verification verifyCached(ParsedApiKey key) {
        KeyLookup lookup = cache.lookupCached(key.id());
        return lookup == null ? null : decide(lookup, key.secretHash());
    }

    private Verification decide(KeyLookup lookup, SecretHash presented) {
        if (!(lookup instanceof KeyLookup.Found found)) {
            return Verification.failed(AuthOutcome.UNKNOWN);
        }
        KeyRecord record = found.record();
        Instant now = clock.instant();
        SecretMatch match = record.match(presented, now);
        if (match == SecretMatch.NONE) {
            boolean rotatedAway =
                    record.previousSecretHash() != null
                            && record.previousSecretHash().matches(presented);
            return Verification.failed(rotatedAway ? AuthOutcome.REVOKED : AuthOutcome.BAD_SECRET);
        }
        if (!record.enabled()) {
            return new Verification(AuthOutcome.DISABLED, record, false);
        }
        if (record.isExpired(now)) {
            return new Verification(AuthOutcome.EXPIRED, record, false);
        }
        return new Verification(AuthOutcome.VALID, record, match == SecretMatch.PREVIOUS);
    }
}
