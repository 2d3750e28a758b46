package dev.keygate.core.key;

import java.security.SecureRandom;
import java.util.Random;

/**
 * Mints key ids and secrets. Ids and secrets come from the injected random source, a {@link
 * SecureRandom} in production (tests may inject a seeded one). Thread-safe when the random source
 * is, which {@code SecureRandom} is.
 */
public final class ApiKeyGenerator {

    private final ApiKeyFormat format;
    private final Random random;

    public ApiKeyGenerator(ApiKeyFormat format, SecureRandom random) {
        this(format, (Random) random);
    }

    /** For tests only: any random source, for reproducible keys. */
    static ApiKeyGenerator withRandom(ApiKeyFormat format, Random random) {
        return new ApiKeyGenerator(format, random);
    }

    private ApiKeyGenerator(ApiKeyFormat format, Random random) {
        this.format = format;
        this.random = random;
    }

    public ApiKeyFormat format() {
        return format;
    }

    /** A key with a new id. */
    public GeneratedKey newKey() {
        return forId(Base62.random(random, ApiKeyFormat.ID_LENGTH));
    }

    /** A new secret for an existing id (rotation keeps the id). */
    public GeneratedKey forId(String id) {
        String secret = Base62.random(random, ApiKeyFormat.SECRET_LENGTH);
        return new GeneratedKey(id, format.format(id, secret), SecretHash.of(secret));
    }

    /**
     * A freshly minted key. The {@code token} is the full key, to be shown once to whoever asked
     * for it and never stored or logged; {@link #toString()} redacts it.
     */
    public record GeneratedKey(String id, String token, SecretHash hash) {
        @Override
        public String toString() {
            return "GeneratedKey[id=" + id + ", token=<redacted>]";
        }
    }
}
