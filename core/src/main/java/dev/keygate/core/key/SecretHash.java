package dev.keygate.core.key;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * {@code SHA-256} of a key's secret: the only form in which a secret is ever stored. Keys carry 178
 * random bits, so a fast hash is enough: a slow password hash would add latency and no security.
 *
 * <p>{@link #matches(SecretHash)} and {@link #equals(Object)} compare in constant time ({@link
 * MessageDigest#isEqual}). {@link #toString()} never shows the bytes. Immutable and thread-safe.
 */
public final class SecretHash {

    private static final int LENGTH = 32;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    /** One digest per thread: {@code MessageDigest.getInstance} costs an allocation per call. */
    private static final ThreadLocal<MessageDigest> SHA_256 =
            ThreadLocal.withInitial(
                    () -> {
                        try {
                            return MessageDigest.getInstance("SHA-256");
                        } catch (NoSuchAlgorithmException ex) {
                            throw new IllegalStateException(
                                    "SHA-256 is required of every Java platform", ex);
                        }
                    });

    private final byte[] bytes;

    private SecretHash(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Hashes a secret. */
    public static SecretHash of(CharSequence secret) {
        byte[] ascii = secret.toString().getBytes(StandardCharsets.US_ASCII);
        // digest() resets the digest, so the thread's instance is ready for the next call
        return new SecretHash(SHA_256.get().digest(ascii));
    }

    /** Reads the storage form written by {@link #encoded()}. */
    public static SecretHash decode(String encoded) {
        byte[] bytes = DECODER.decode(encoded);
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException(
                    "a secret hash has " + LENGTH + " bytes, this one " + bytes.length);
        }
        return new SecretHash(bytes);
    }

    /** The storage form: unpadded base64url of the 32 bytes. */
    public String encoded() {
        return ENCODER.encodeToString(bytes);
    }

    /** Constant-time comparison. */
    public boolean matches(SecretHash other) {
        return other != null && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SecretHash hash && matches(hash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "SecretHash[<redacted>]";
    }
}
