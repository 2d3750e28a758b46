package dev.keygate.core.key;

/**
 * The strict, offline key parser. Equivalent to the anchored pattern {@code
 * ^<prefix>_[0-9A-Za-z]{11}_[0-9A-Za-z]{36}$} plus a CRC32 check of the last six characters,
 * written out by hand so that it allocates nothing on rejection and performs no I/O at all. Input
 * longer than {@link ApiKeyFormat#MAX_INPUT_LENGTH} is refused before any character is read.
 *
 * <p>Immutable and thread-safe.
 */
public final class ApiKeyParser {

    private final ApiKeyFormat format;
    private final String prefix;
    private final int keyLength;
    private final int idStart;
    private final int secretStart;
    private final int checksumStart;

    public ApiKeyParser(ApiKeyFormat format) {
        this.format = format;
        this.prefix = format.prefix();
        this.keyLength = format.keyLength();
        this.idStart = prefix.length() + 1;
        this.secretStart = idStart + ApiKeyFormat.ID_LENGTH + 1;
        this.checksumStart = secretStart + ApiKeyFormat.SECRET_LENGTH;
    }

    public ApiKeyFormat format() {
        return format;
    }

    /**
     * Parses a presented key.
     *
     * @return a {@link ParsedApiKey}, or the {@link KeyRejection} that says why not
     */
    public ParseResult parse(String candidate) {
        if (candidate == null || candidate.isBlank()) {
            return KeyRejection.EMPTY;
        }
        int length = candidate.length();
        if (length > ApiKeyFormat.MAX_INPUT_LENGTH) {
            return KeyRejection.TOO_LONG;
        }
        if (length != keyLength) {
            return KeyRejection.WRONG_LENGTH;
        }
        if (!candidate.startsWith(prefix) || candidate.charAt(prefix.length()) != '_') {
            return KeyRejection.WRONG_PREFIX;
        }
        if (candidate.charAt(secretStart - 1) != '_') {
            return KeyRejection.WRONG_STRUCTURE;
        }
        for (int i = idStart; i < length; i++) {
            if (i != secretStart - 1 && !Base62.isBase62(candidate.charAt(i))) {
                return KeyRejection.BAD_CHARACTER;
            }
        }
        if (!checksumMatches(candidate)) {
            return KeyRejection.BAD_CHECKSUM;
        }
        return new ParsedApiKey(
                candidate.substring(idStart, secretStart - 1),
                candidate.substring(secretStart, checksumStart));
    }

    private boolean checksumMatches(String candidate) {
        long expected = ApiKeyFormat.checksum(candidate, checksumStart);
        long actual = 0;
        for (int i = checksumStart; i < keyLength; i++) {
            actual = actual * 62 + Base62.digit(candidate.charAt(i));
        }
        return actual == expected;
    }

    @Override
    public String toString() {
        return "ApiKeyParser[" + format + "]";
    }
}
