package dev.keygate.gateway.authentication;

import dev.keygate.core.key.ApiKeyParser;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.key.KeyRecord.SecretMatch;
import dev.keygate.core.key.KeyRejection;
import dev.keygate.core.key.ParseResult;
import dev.keygate.core.key.ParsedApiKey;
import dev.keygate.core.key.SecretHash;
import dev.keygate.gateway.cache.KeyCache;
import dev.keygate.gateway.cache.KeyLookup;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * The default {@link ApiKeyAuthenticator}: parses the key offline with {@link ApiKeyParser}
 * (malformed: refused with no I/O, counted in {@code keygate.auth.malformed} by reason), looks its
 * id up in the {@link KeyCache} (a hit or a known-unknown id is answered at once, with no reactive
 * plumbing; a miss reads Redis, if the permit allows), compares the secret's hash in constant time,
 * then checks that the key is enabled and not expired at the injected {@link Clock}'s now. During a
 * rotation grace the previous secret is valid too, and the result says so (the filter then adds
 * {@code Deprecation} and {@code Sunset}).
 *
 * <p>The secret is checked first, so only a caller who holds the secret learns (through metrics,
 * never through the response) that a key is expired or disabled.
 *
 * <p>Failure policy: a store failure is an error signal, never a verdict; the filter answers 503.
 * Thread-safe; never blocks.
 */
public final class CachingApiKeyAuthenticator implements ApiKeyAuthenticator {

    private static final Mono<AuthenticationResult> MALFORMED =
            Mono.just(Refusal.of(Refusal.Reason.MALFORMED));
    private static final Mono<AuthenticationResult> THROTTLED =
            Mono.just(Refusal.of(Refusal.Reason.THROTTLED));

    private final ApiKeyParser parser;
    private final KeyCache cache;
    private final Clock clock;
    private final Map<KeyRejection, Counter> rejections = new EnumMap<>(KeyRejection.class);

    public CachingApiKeyAuthenticator(
            ApiKeyParser parser, KeyCache cache, Clock clock, MeterRegistry registry) {
        this.parser = Objects.requireNonNull(parser, "parser");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.clock = Objects.requireNonNull(clock, "clock");
        for (KeyRejection rejection : KeyRejection.values()) {
            rejections.put(
                    rejection,
                    Counter.builder("keygate.auth.malformed")
                            .description("Malformed keys by reason (checked offline)")
                            .tag("reason", rejection.code())
                            .register(registry));
        }
    }

    @Override
    public Mono<AuthenticationResult> authenticate(String credential, LookupPermit permit) {
        ParseResult parsed = parser.parse(credential);
        if (parsed instanceof KeyRejection rejection) {
            rejections.get(rejection).increment();
            return MALFORMED;
        }
        ParsedApiKey key = (ParsedApiKey) parsed;
        SecretHash presented = key.secretHash();
        KeyLookup cached = cache.lookupCached(key.id());
        if (cached != null) {
            return Mono.just(decide(cached, presented, false));
        }
        if (!permit.mayReadStore(key.id())) {
            return THROTTLED;
        }
        return cache.lookup(key.id()).map(lookup -> decide(lookup, presented, true));
    }

    private AuthenticationResult decide(KeyLookup lookup, SecretHash presented, boolean fromStore) {
        if (!(lookup instanceof KeyLookup.Found found)) {
            return Refusal.of(Refusal.Reason.UNKNOWN);
        }
        KeyRecord record = found.record();
        Instant now = clock.instant();
        SecretMatch match = record.match(presented, now);
        if (match == SecretMatch.NONE) {
            boolean rotatedAway =
                    record.previousSecretHash() != null
                            && record.previousSecretHash().matches(presented);
            return Refusal.of(rotatedAway ? Refusal.Reason.REVOKED : Refusal.Reason.BAD_SECRET);
        }
        if (!record.enabled()) {
            return Refusal.of(Refusal.Reason.DISABLED);
        }
        if (record.isExpired(now)) {
            return Refusal.of(Refusal.Reason.EXPIRED);
        }
        return new AuthenticationResult.Authenticated(
                record, match == SecretMatch.PREVIOUS, fromStore);
    }

    @Override
    public String toString() {
        return "CachingApiKeyAuthenticator[" + cache + "]";
    }
}
