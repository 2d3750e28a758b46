package dev.keygate.admin.auth;

import java.util.Objects;

/**
 * The admin a request was authenticated as: the principal of its {@link AdminAuthentication}, which
 * controllers receive with {@code @AuthenticationPrincipal}. {@link #toString()} never shows the
 * token.
 *
 * @param name the configured token name
 * @param role the token's role
 * @param token the presented token, kept only for the life of the request (it keys the encryption
 *     of idempotent responses)
 */
public record AdminPrincipal(String name, AdminRole role, String token) {

    public AdminPrincipal {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(token, "token");
    }

    @Override
    public String toString() {
        return "AdminPrincipal[name=" + name + ", role=" + role.value() + "]";
    }
}
