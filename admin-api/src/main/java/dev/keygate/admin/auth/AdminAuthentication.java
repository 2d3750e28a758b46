package dev.keygate.admin.auth;

import java.util.List;
import java.util.Objects;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * An admin authenticated by its token: the {@link AdminPrincipal} as principal, and its {@link
 * AdminRole} as the one granted authority ({@code admin} or {@code read-only}), which the security
 * chain's {@code authorizeExchange} rules check. The credentials are never exposed ({@code null}):
 * the token stays inside the principal, for the idempotency store only. Immutable and thread-safe.
 */
public final class AdminAuthentication extends AbstractAuthenticationToken {

    private final AdminPrincipal principal;

    public AdminAuthentication(AdminPrincipal principal) {
        super(List.of(new SimpleGrantedAuthority(principal.role().value())));
        this.principal = Objects.requireNonNull(principal, "principal");
        setAuthenticated(true);
    }

    @Override
    public AdminPrincipal getPrincipal() {
        return principal;
    }

    @Override
    public Object getCredentials() {
        return null;
    }

    @Override
    public String getName() {
        return principal.name();
    }

    @Override
    public String toString() {
        return "AdminAuthentication[" + principal + "]";
    }
}
