package dev.keygate.gateway.authentication;

import dev.keygate.core.key.KeyRecord;

/**
 * What {@link ApiKeyVerifier} decided.
 *
 * @param outcome {@link AuthOutcome#VALID} or why not
 * @param record the key's record when the secret matched (also for expired or disabled keys), else
 *     {@code null}
 * @param previousSecret whether the presented secret is the previous one, accepted during its
 *     rotation grace
 */
public record Verification(AuthOutcome outcome, KeyRecord record, boolean previousSecret) {

    static Verification failed(AuthOutcome outcome) {
        return new Verification(outcome, null, false);
    }

    public boolean isValid() {
        return outcome == AuthOutcome.VALID;
    }
}
