package dev.keygate.gateway.limits;

import dev.keygate.gateway.authentication.Refusal;
import reactor.core.publisher.Mono;

/**
 * A {@link UsageLimiter}'s answer: allowed or refused, and the {@code RateLimit-Policy} and {@code
 * RateLimit} field values (draft-ietf-httpapi-ratelimit-headers-11) the response carries, when
 * there are limits and headers are on.
 *
 * @param refusal why the request is refused (429, or 503 when quotas fail closed), or {@code null}
 *     when it may go on
 * @param policy the {@code RateLimit-Policy} value, or {@code null} for none
 * @param state the {@code RateLimit} value, or {@code null} for none
 */
public record LimitOutcome(Refusal refusal, String policy, String state) {

    /** Allowed, with nothing to say: no limit applies, or Redis did not answer (fail open). */
    public static final LimitOutcome UNLIMITED = new LimitOutcome(null, null, null);

    /** {@link #UNLIMITED} as a scalar {@link Mono}, shared. */
    public static final Mono<LimitOutcome> UNLIMITED_MONO = Mono.just(UNLIMITED);

    /** Whether the request may go on. */
    public boolean allowed() {
        return refusal == null;
    }
}
