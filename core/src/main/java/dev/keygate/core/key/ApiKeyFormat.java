package dev.keygate.core.key;

import java.util.regex.Pattern;

/**
 * The API key format, GitHub-style: {@code <prefix>_<id>_<secret><checksum>}, for example {@code
 * kg_3fKq9ZbT0aW_qL7...}.
 *
 * <ul>
 *   <li>{@code prefix}: configurable, default {@value #DEFAULT_PREFIX}; {@code
 *       [a-z][a-z0-9]{1,15}}.
 *   <li>{@code id}: {@value #ID_LENGTH} base62 characters (65 random bits), public and stable for
 *       the life of the key: rotation keeps it. It is the cache and storage key.
 *   <li>{@code secret}: {@value #SECRET_LENGTH} base62 characters from {@code SecureRandom} (178
 *       bits). Only {@code SHA-256(secret)} is ever stored.
 *   <li>{@code checksum}: CRC32 of every character before it, as {@value #CHECKSUM_LENGTH} base62
 *       digits, so typos and garbage are rejected without I/O and secret scanners can recognise our
 *       keys.
 * </ul>
 *
 * With the default prefix a key is 51 characters long. Immutable and thread-safe.
 */
public final class ApiKeyFormat {

    /** The prefix used when none is configured. */
    public static final String DEFAULT_PREFIX = "kg";

    /** Length of the public id. */
    public static final int ID_LENGTH = 11;

    /** Length of the secret part. */
    public static final int SECRET_LENGTH = 30;

    /** Length of the checksum. */
    public static final int CHECKSUM_LENGTH = 6;

    /** Inputs longer than this are refused before they are even looked at. */
    public static final int MAX_INPUT_LENGTH = 255;

    /**
     * What a key prefix may be: the one definition, also used by the properties of both apps in
     * their {@code @Pattern} constraints.
     */
    public static final String PREFIX_PATTERN = "[a-z][a-z0-9]{1,15}";

    private static final Pattern PREFIX = Pattern.compile(PREFIX_PATTERN);
    private static final Pattern ID = Pattern.compile("[0-9A-Za-z]{" + ID_LENGTH + "}");

    private final String prefix;

    private ApiKeyFormat(String prefix) {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException(
                    "key prefix must match " + PREFIX.pattern() + " but was '" + prefix + "'");
        }
        this.prefix = prefix;
    }

    /** The format with the {@value #DEFAULT_PREFIX} prefix. */
    public static ApiKeyFormat defaults() {
        return new ApiKeyFormat(DEFAULT_PREFIX);
    }

    /** The format with the given prefix ({@code [a-z][a-z0-9]{1,15}}). */
    public static ApiKeyFormat withPrefix(String prefix) {
        return new ApiKeyFormat(prefix);
    }

    public String prefix() {
        return prefix;
    }

    /** The exact length of every key in this format. */
    public int keyLength() {
        return prefix.length() + 1 + ID_LENGTH + 1 + SECRET_LENGTH + CHECKSUM_LENGTH;
    }

    /** Whether {@code id} has the shape of a key id (does not say whether it exists). */
    public static boolean isWellFormedId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** The part of a key that may be shown to users to recognise it: {@code <prefix>_<id>}. */
    public String visiblePart(String id) {
        return prefix + "_" + id;
    }

    /** Assembles a full key from its id and secret, appending the checksum. */
    public String format(String id, String secret) {
        if (!isWellFormedId(id)) {
            throw new IllegalArgumentException("not a key id: '" + id + "'");
        }
        if (secret == null || secret.length() != SECRET_LENGTH) {
            throw new IllegalArgumentException("secret must have " + SECRET_LENGTH + " characters");
        }
        int bodyLength = keyLength() - CHECKSUM_LENGTH;
        char[] key = new char[keyLength()];
        String body = prefix + "_" + id + "_" + secret;
        body.getChars(0, bodyLength, key, 0);
        Base62.encodeFixed(checksum(body, bodyLength), CHECKSUM_LENGTH, key, bodyLength);
        return new String(key);
    }

    /**
     * CRC32 (the {@link java.util.zip.CRC32} one) of the low bytes of the first {@code length}
     * characters (all ASCII by the time this is called), table-driven: no allocation, and several
     * times faster than feeding {@code CRC32} one character per call, which is most of what a flood
     * of malformed keys costs.
     */
    static long checksum(CharSequence key, int length) {
        int crc = 0xFFFFFFFF;
        for (int i = 0; i < length; i++) {
            crc = CRC_TABLE[(crc ^ key.charAt(i)) & 0xFF] ^ (crc >>> 8);
        }
        return ~crc & 0xFFFFFFFFL;
    }

    /** The reflected CRC-32 (IEEE 802.3, polynomial {@code 0xEDB88320}) table, one per byte. */
    private static final int[] CRC_TABLE = crcTable();

    private static int[] crcTable() {
        int[] table = new int[256];
        for (int n = 0; n < 256; n++) {
            int c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
            }
            table[n] = c;
        }
        return table;
    }

    @Override
    public String toString() {
        return "ApiKeyFormat["
                + prefix
                + "_<id:"
                + ID_LENGTH
                + ">_<secret:"
                + SECRET_LENGTH
                + "><crc32:"
                + CHECKSUM_LENGTH
                + ">]";
    }
}
