package dev.keygate.gateway.authentication;

import dev.keygate.core.key.KeyRecord;
import java.util.Objects;

/**
 * What an {@link ApiKeyAuthenticator} decided: the key is {@link Authenticated}, or the request is
 * refused ({@link Refusal}). No third state: "the store could not be asked" is a {@link Refusal}
 * with {@link Refusal.Reason#UNAVAILABLE}, or an error signal.
 */
public sealed interface AuthenticationResult permits AuthenticationResult.Authenticated, Refusal {

    /**
     * A valid key (enabled, not expired, secret matched). Not yet authorized for the route: that is
     * the {@link ApiKeyAuthorizer}'s job.
     *
     * @param record the key's record
     * @param previousSecret whether the presented secret is the previous one, accepted during its
     *     rotation grace
     * @param fromStore whether the record was read from the store for this request (not the cache)
     */
    record Authenticated(KeyRecord record, boolean previousSecret, boolean fromStore)
            implements AuthenticationResult {
        public Authenticated {
            Objects.requireNonNull(record, "record");
        }
    }
}
