package dev.keygate.admin.web;

import java.time.Duration;

/**
 * The limits on admin input, documented in the README and the OpenAPI contract. Anything outside
 * them is refused with a {@code validation} problem naming the field, before anything is written.
 */
public final class InputLimits {

    /** Owner: 1–128 characters, starts with a letter or digit; no spaces or braces. */
    public static final String OWNER = "^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$";

    public static final int MAX_OWNER_LENGTH = 128;

    /** Name: 0–200 characters, no control characters. */
    public static final int MAX_NAME_LENGTH = 200;

    /**
     * Scope grammar: {@code resource(:action)*}, lower case, at most 5 segments; the first segment
     * starts with a letter, any later one may be {@code *}. Examples: {@code orders}, {@code
     * orders:read}, {@code orders:*}, {@code billing:invoices:write}.
     */
    public static final String SCOPE = "^[a-z][a-z0-9_-]{0,63}(:([a-z0-9_-]{1,64}|\\*)){0,4}$";

    /** Organisation: 1–128 characters, letters, digits, {@code . _ -}. */
    public static final String ORGANIZATION = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";

    /** Metadata key: 1–64 characters, letters, digits, {@code . _ -}. */
    public static final String METADATA_KEY = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

    public static final int MAX_SCOPE_LENGTH = 128;
    public static final int MAX_SCOPES = 64;
    public static final int MAX_ORGANIZATIONS = 64;
    public static final int MAX_METADATA_ENTRIES = 32;
    public static final int MAX_METADATA_VALUE_LENGTH = 256;

    /** The furthest expiry (from now) and the longest ttl: about ten years. */
    public static final Duration MAX_LIFETIME = Duration.ofDays(3650);

    /** Default and maximum page sizes of listings. */
    public static final int DEFAULT_PAGE_SIZE = 50;

    public static final int MAX_PAGE_SIZE = 500;

    /** Idempotency-Key: 1–255 visible ASCII characters. */
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;

    private InputLimits() {}
}
