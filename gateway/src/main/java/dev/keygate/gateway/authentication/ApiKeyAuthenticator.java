package dev.keygate.gateway.authentication;

import reactor.core.publisher.Mono;

/**
 * Decides whether a presented credential is a valid API key: parses it, looks it up and verifies
 * its secret. One of the replaceable parts of the request path (a bean; define your own to replace
 * {@link CachingApiKeyAuthenticator}, the default).
 *
 * <p>Contract: a bad key is a {@link Refusal}, never an error. An error signal means the truth
 * cannot be known (the store cannot be asked); the filter then answers 503, fail closed. An
 * implementation must not block, and must honour {@code permit}: it may read its backing store for
 * a key id only when {@code permit.mayReadStore(id)} says so, and answers {@link
 * Refusal.Reason#THROTTLED} otherwise. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface ApiKeyAuthenticator {

    /**
     * Authenticates {@code credential}, the value the {@link ApiKeyCredentialResolver} found.
     *
     * @param credential the presented key, never {@code null}; never log it
     * @param permit whether a key id that cannot be answered from memory may cost a store read
     * @return the result, at once ({@code Mono.just}) when no I/O was needed
     */
    Mono<AuthenticationResult> authenticate(String credential, LookupPermit permit);

    /**
     * Whether a key id that is not in memory may be looked up in the store now. The filter asks the
     * {@link AuthenticationThrottle}; {@link #ALWAYS} when the client is not limited.
     */
    @FunctionalInterface
    interface LookupPermit {

        /** Every lookup is allowed. */
        LookupPermit ALWAYS = id -> true;

        boolean mayReadStore(String keyId);
    }
}
