package dev.keygate.core.usage;

import dev.keygate.core.key.SecretHash;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A short, non-reversible name of one stored secret hash: the hex of the first 8 bytes of SHA-256
 * over the stored hash's 32 bytes. The gateway records usage per fingerprint, and the admin API
 * computes the fingerprints of a record's current and previous hashes to tell which usage belongs
 * to which secret, even when a flush arrives after a rotation. Says nothing usable about the secret
 * (it is a digest of a digest, truncated). Stateless and thread-safe.
 */
public final class SecretFingerprint {

    /** Characters in a fingerprint: 8 bytes in hex. */
    public static final int LENGTH = 16;

    private static final HexFormat HEX = HexFormat.of();

    private SecretFingerprint() {}

    /** The fingerprint of {@code hash}. */
    public static String of(SecretHash hash) {
        byte[] bytes = Base64.getUrlDecoder().decode(hash.encoded());
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return HEX.formatHex(digest, 0, LENGTH / 2);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
