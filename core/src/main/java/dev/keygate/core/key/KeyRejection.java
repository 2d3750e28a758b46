package dev.keygate.core.key;

/**
 * Why a presented string is not a well-formed key. The {@link #code()} is meant for metrics and
 * logs; it is never sent to callers, who only learn that the key is invalid.
 */
public enum KeyRejection implements ParseResult {
    /** Nothing, or only whitespace, was presented. */
    EMPTY("empty"),
    /** More than {@link ApiKeyFormat#MAX_INPUT_LENGTH} characters: not even looked at. */
    TOO_LONG("too_long"),
    /** Not the exact length of a key. */
    WRONG_LENGTH("wrong_length"),
    /** Does not start with the configured {@code <prefix>_}. */
    WRONG_PREFIX("wrong_prefix"),
    /** The separator between id and secret is missing or misplaced. */
    WRONG_STRUCTURE("wrong_structure"),
    /** A character outside base62 in the id, secret or checksum. */
    BAD_CHARACTER("bad_character"),
    /** The checksum does not match: a typo, a truncated copy or garbage. */
    BAD_CHECKSUM("bad_checksum");

    private final String code;

    KeyRejection(String code) {
        this.code = code;
    }

    /** A stable lower-case code for metrics tags. */
    public String code() {
        return code;
    }
}
