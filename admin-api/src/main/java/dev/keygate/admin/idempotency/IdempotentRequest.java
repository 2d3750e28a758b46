package dev.keygate.admin.idempotency;

import java.util.Arrays;
import java.util.Objects;

/**
 * A create or rotate as the {@link IdempotencyStore} sees it.
 *
 * @param key the request's {@code Idempotency-Key}, or {@code null} when it sent none (nothing is
 *     stored then)
 * @param fingerprint identifies the request (path and body, see {@link
 *     IdempotencyStore#fingerprint}); a retry with the same key must match it
 */
public record IdempotentRequest(String key, byte[] fingerprint) {

    public IdempotentRequest {
        fingerprint = fingerprint.clone();
    }

    @Override
    public byte[] fingerprint() {
        return fingerprint.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IdempotentRequest that
                && Objects.equals(key, that.key)
                && Arrays.equals(fingerprint, that.fingerprint);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hashCode(key) + Arrays.hashCode(fingerprint);
    }

    @Override
    public String toString() {
        return "IdempotentRequest[" + (key == null ? "no key" : "<key>") + "]";
    }
}
