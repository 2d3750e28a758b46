package dev.keygate.core.key;

import java.util.Random;

/** Base62 ({@code 0-9A-Za-z}) helpers for the key format. Stateless and thread-safe. */
final class Base62 {

    static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /** Digit value of each ASCII character, -1 for characters outside the alphabet. */
    private static final byte[] DIGITS = new byte[128];

    static {
        java.util.Arrays.fill(DIGITS, (byte) -1);
        for (int i = 0; i < ALPHABET.length(); i++) {
            DIGITS[ALPHABET.charAt(i)] = (byte) i;
        }
    }

    private Base62() {}

    /** The value of base62 digit {@code c}, or -1 when it is not one. */
    static int digit(char c) {
        return c < 128 ? DIGITS[c] : -1;
    }

    static boolean isBase62(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    /**
     * {@code length} characters, each uniform over the alphabet (rejection sampling over 6-bit
     * draws, so there is no modulo bias): about 5.95 bits of entropy per character.
     */
    static String random(Random random, int length) {
        char[] out = new char[length];
        byte[] buffer = new byte[length + 16];
        int filled = 0;
        while (filled < length) {
            random.nextBytes(buffer);
            for (int i = 0; i < buffer.length && filled < length; i++) {
                int v = buffer[i] & 0x3F;
                if (v < 62) {
                    out[filled++] = ALPHABET.charAt(v);
                }
            }
        }
        return new String(out);
    }

    /**
     * Writes {@code value} (non-negative) as exactly {@code width} digits, left-padded with '0'.
     */
    static void encodeFixed(long value, int width, char[] into, int offset) {
        long v = value;
        for (int i = offset + width - 1; i >= offset; i--) {
            into[i] = ALPHABET.charAt((int) (v % 62));
            v /= 62;
        }
        if (v != 0) {
            throw new IllegalArgumentException(
                    value + " does not fit in " + width + " base62 digits");
        }
    }
}
