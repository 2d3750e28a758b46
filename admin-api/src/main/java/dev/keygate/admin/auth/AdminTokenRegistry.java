package dev.keygate.admin.auth;

import dev.keygate.admin.config.AdminProperties;
import dev.keygate.admin.config.AdminProperties.TokenProperties;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The configured admin tokens, kept as {@code SHA-256} digests only. Lookups compare the digest of
 * the presented token with every configured digest using {@link MessageDigest#isEqual}, without
 * stopping at the first match, so timing says nothing about which token or how much of it matched.
 *
 * <p>Immutable and thread-safe. Construction fails (and with it the application's start) when no
 * token is configured, when a token is shorter than {@value #MIN_TOKEN_LENGTH} characters, when it
 * is one of the example values of Keygate's own docs and example files (anything containing {@code
 * change-me}), when its estimated entropy is below {@value #MIN_TOKEN_BITS} bits, or when two
 * tokens share a name or a value.
 *
 * <p><b>The entropy estimate</b> is the token's length times the Shannon entropy of its own
 * character frequencies: the sum over its distinct characters of {@code n(c) * log2(length /
 * n(c))}. A character repeated throughout adds nothing ({@code aaaa...} of any length is 0 bits),
 * and a token can never score more than {@code length * log2(distinct characters)}. The output of
 * {@code openssl rand -base64 32} scores about 190 bits or more, {@code openssl rand -hex 32} about
 * 210. The estimate is a floor on carelessness, not a proof of randomness: it cannot see a word or
 * a repeated pattern of several characters, so generate tokens, do not invent them.
 */
public final class AdminTokenRegistry {

    /** The shortest admin token accepted. */
    public static final int MIN_TOKEN_LENGTH = 16;

    /** The lowest estimated entropy of an admin token, in bits (see the class comment). */
    public static final int MIN_TOKEN_BITS = 128;

    /** Marks the placeholders of our example files; a token containing it was copied unedited. */
    static final String EXAMPLE_MARKER = "change-me";

    /**
     * Example tokens written in Keygate's docs and example files (deploy/compose/.env.example and
     * deploy/k8s/base/admin-token.env.example used to ship the first): public, so never accepted.
     */
    static final Set<String> DOCUMENTED_EXAMPLES = Set.of("change-me-to-a-long-random-token");

    static final String NO_TOKEN_MESSAGE =
            "No admin token is configured, so the admin API refuses to start. Set the"
                    + " KEYGATE_ADMIN_TOKEN environment variable (or the keygate.admin.token"
                    + " property) to a random secret of at least "
                    + MIN_TOKEN_LENGTH
                    + " characters and "
                    + MIN_TOKEN_BITS
                    + " bits of estimated entropy, for example the output of 'openssl rand -base64 32', or"
                    + " configure named tokens with keygate.admin.tokens[0].name, .token and .role"
                    + " (admin or read-only).";

    private final List<Entry> entries;

    private AdminTokenRegistry(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * The registry for the configured tokens.
     *
     * @throws IllegalStateException when the configuration is unusable, with a message that says
     *     how to fix it
     */
    public static AdminTokenRegistry from(AdminProperties properties) {
        List<Entry> entries = new ArrayList<>();
        if (properties.token() != null && !properties.token().isBlank()) {
            entries.add(
                    entry(
                            AdminProperties.DEFAULT_TOKEN_NAME,
                            properties.token(),
                            AdminRole.ADMIN,
                            "keygate.admin.token"));
        }
        for (int i = 0; i < properties.tokens().size(); i++) {
            TokenProperties token = properties.tokens().get(i);
            entries.add(
                    entry(
                            token.name(),
                            token.token(),
                            token.role(),
                            "keygate.admin.tokens[" + i + "].token"));
        }
        if (entries.isEmpty()) {
            throw new AdminTokenConfigurationException(NO_TOKEN_MESSAGE);
        }
        Set<String> names = new HashSet<>();
        List<byte[]> digests = new ArrayList<>();
        for (Entry entry : entries) {
            if (!names.add(entry.name())) {
                throw new AdminTokenConfigurationException(
                        "two admin tokens are named '"
                                + entry.name()
                                + "'; token names must be unique (the name '"
                                + AdminProperties.DEFAULT_TOKEN_NAME
                                + "' is taken by keygate.admin.token)");
            }
            for (byte[] digest : digests) {
                if (MessageDigest.isEqual(digest, entry.digest())) {
                    throw new AdminTokenConfigurationException(
                            "two admin tokens have the same value (one of them is '"
                                    + entry.name()
                                    + "'); give each its own secret");
                }
            }
            digests.add(entry.digest());
        }
        return new AdminTokenRegistry(entries);
    }

    private static Entry entry(String name, String token, AdminRole role, String property) {
        if (token.length() < MIN_TOKEN_LENGTH) {
            throw new AdminTokenConfigurationException(
                    property
                            + " is "
                            + token.length()
                            + " characters long; an admin token needs at least "
                            + MIN_TOKEN_LENGTH
                            + " (try 'openssl rand -base64 32')");
        }
        // plain comparisons: these values are public and this runs once, at start
        if (DOCUMENTED_EXAMPLES.contains(token)
                || token.toLowerCase(Locale.ROOT).contains(EXAMPLE_MARKER)) {
            throw new AdminTokenConfigurationException(
                    property
                            + " is an example value from Keygate's docs or example files (it"
                            + " contains '"
                            + EXAMPLE_MARKER
                            + "'); everyone who read them knows it. Generate a secret instead, for"
                            + " example with 'openssl rand -base64 32'");
        }
        long bits = (long) Math.floor(estimatedBits(token));
        if (bits < MIN_TOKEN_BITS) {
            throw new AdminTokenConfigurationException(
                    property
                            + " has an estimated entropy of "
                            + bits
                            + " bits, below the "
                            + MIN_TOKEN_BITS
                            + " required: it is too short, or repeats too few distinct characters"
                            + " (estimate: length times the Shannon entropy of its characters)."
                            + " Generate a random one, for example with 'openssl rand -base64 32'"
                            + " or 'openssl rand -hex 32'");
        }
        return new Entry(name, role, sha256(token));
    }

    /**
     * The entropy estimate of the class comment: the sum over the token's distinct characters (code
     * points) of {@code n(c) * log2(length / n(c))}.
     */
    static double estimatedBits(String token) {
        Map<Integer, Integer> counts = new HashMap<>();
        token.codePoints().forEach(c -> counts.merge(c, 1, Integer::sum));
        int length = counts.values().stream().mapToInt(Integer::intValue).sum();
        double bits = 0;
        for (int n : counts.values()) {
            bits += n * (Math.log((double) length / n) / Math.log(2));
        }
        return bits;
    }

    /** The admin whose token this is, or empty. Constant time in the token's content. */
    public Optional<AdminPrincipal> authenticate(String presented) {
        byte[] digest = sha256(presented);
        Entry found = null;
        for (Entry entry : entries) {
            if (MessageDigest.isEqual(entry.digest(), digest) && found == null) {
                found = entry;
            }
        }
        return found == null
                ? Optional.empty()
                : Optional.of(new AdminPrincipal(found.name(), found.role(), presented));
    }

    /** How many tokens are configured. */
    public int size() {
        return entries.size();
    }

    static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", ex);
        }
    }

    @Override
    public String toString() {
        return "AdminTokenRegistry["
                + entries.stream().map(e -> e.name() + ":" + e.role().value()).toList()
                + "]";
    }

    private record Entry(String name, AdminRole role, byte[] digest) {}
}
