package dev.keygate.admin.auth;

import dev.keygate.admin.config.AdminProperties;
import dev.keygate.admin.config.AdminProperties.TokenProperties;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The configured admin tokens, kept as {@code SHA-256} digests only. Lookups compare the digest of
 * the presented token with every configured digest using {@link MessageDigest#isEqual}, without
 * stopping at the first match, so timing says nothing about which token or how much of it matched.
 *
 * <p>Immutable and thread-safe. Construction fails (and with it the application's start) when no
 * token is configured, when a token is shorter than {@value #MIN_TOKEN_LENGTH} characters, or when
 * two tokens share a name or a value.
 */
public final class AdminTokenRegistry {

    /** The shortest admin token accepted. */
    public static final int MIN_TOKEN_LENGTH = 16;

    static final String NO_TOKEN_MESSAGE =
            "No admin token is configured, so the admin API refuses to start. Set the"
                    + " KEYGATE_ADMIN_TOKEN environment variable (or the keygate.admin.token"
                    + " property) to a random secret of at least "
                    + MIN_TOKEN_LENGTH
                    + " characters, for example the output of 'openssl rand -base64 32', or"
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
        return new Entry(name, role, sha256(token));
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
