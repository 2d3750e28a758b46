package dev.keygate.gateway.authentication;

import java.time.Duration;
import org.springframework.web.server.ServerWebExchange;

/**
 * Counts failed authentications per client and limits clients that fail too often. One of the
 * replaceable parts of the request path (a bean): {@link #NONE} when {@code
 * keygate.gateway.throttle.enabled=false}, else {@link FailedAuthenticationThrottle}. The filter
 * resolves the client once per request ({@link #client}) and passes it back. Implementations must
 * be thread-safe and must not block.
 *
 * <p>Contract: a valid key is never refused because of other requests' failures, except that a
 * limited client may have key ids that are not in memory looked up only at a bounded rate ({@link
 * #tryLookup}).
 */
public interface AuthenticationThrottle {

    /** Throttles nothing: every client may always try, and nothing is counted. */
    AuthenticationThrottle NONE = new AuthenticationThrottle() {};

    /** The client {@code exchange} is counted as (an address, a network); "" when not counted. */
    default String client(ServerWebExchange exchange) {
        return "";
    }

    /**
     * How long {@code client} must wait before failing again is answered normally; zero: it may.
     */
    default Duration retryAfter(String client) {
        return Duration.ZERO;
    }

    /** Whether a limited {@code client} may have one more uncached key id looked up now. */
    default boolean tryLookup(String client, String keyId) {
        return true;
    }

    /** How long a limited client refused a lookup should wait. */
    default Duration retryAfterLookup() {
        return Duration.ZERO;
    }

    /** Records one failed attempt by {@code client}. */
    default void recordFailure(String client) {}

    /**
     * Records that the key {@code keyId} was verified valid from the store (its secret was shown).
     */
    default void recordVerified(String keyId) {}
}
