package dev.keygate.core.key;

/**
 * A key that passed the offline checks (format and checksum). It says nothing about whether the key
 * exists: that is the verifier's job. {@link #toString()} never shows the secret.
 *
 * @param id the public key id
 * @param secret the secret part, to be hashed with {@link SecretHash#of(CharSequence)} and never
 *     logged
 */
public record ParsedApiKey(String id, String secret) implements ParseResult {

    /** {@code SHA-256} of the secret, as stored. */
    public SecretHash secretHash() {
        return SecretHash.of(secret);
    }

    @Override
    public String toString() {
        return "ParsedApiKey[id=" + id + ", secret=<redacted>]";
    }
}
