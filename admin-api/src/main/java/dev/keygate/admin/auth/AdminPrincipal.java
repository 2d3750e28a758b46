package dev.keygate.admin.auth;

import java.util.Objects;
import org.springframework.web.server.ServerWebExchange;

/**
 * The admin a request was authenticated as. Stored as an exchange attribute by {@link
 * AdminAuthenticationWebFilter}. {@link #toString()} never shows the token.
 *
 * @param name the configured token name
 * @param role the token's role
 * @param token the presented token, kept only for the life of the request (it keys the encryption
 *     of idempotent responses)
 */
public record AdminPrincipal(String name, AdminRole role, String token) {

    /** The exchange attribute holding the principal. */
    public static final String ATTRIBUTE = AdminPrincipal.class.getName();

    public AdminPrincipal {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(token, "token");
    }

    /**
     * The principal of an authenticated exchange.
     *
     * @throws IllegalStateException when the exchange was not authenticated (a wiring bug: fail
     *     closed)
     */
    public static AdminPrincipal of(ServerWebExchange exchange) {
        AdminPrincipal principal = exchange.getAttribute(ATTRIBUTE);
        if (principal == null) {
            throw new IllegalStateException("request reached a handler without authentication");
        }
        return principal;
    }

    @Override
    public String toString() {
        return "AdminPrincipal[name=" + name + ", role=" + role.value() + "]";
    }
}
