package dev.keygate.admin.auth;

import java.util.Objects;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import reactor.core.publisher.Mono;

/**
 * Decides whether a bearer token (as Spring Security's {@code
 * ServerBearerTokenAuthenticationConverter} read it) is a configured admin token: the {@link
 * AdminTokenRegistry} compares its digest with every configured digest in constant time. A known
 * token becomes an {@link AdminAuthentication} carrying the token's role as authority; anything
 * else is a {@link BadCredentialsException} (401), whose message never contains the token.
 *
 * <p>Fails closed: an authentication of another type is refused too. Stateless and thread-safe; the
 * check is a few digests on the calling thread, never blocking.
 */
public final class AdminAuthenticationManager implements ReactiveAuthenticationManager {

    private final AdminTokenRegistry registry;

    public AdminAuthenticationManager(AdminTokenRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public Mono<Authentication> authenticate(Authentication authentication) {
        return Mono.fromSupplier(
                () -> {
                    if (!(authentication instanceof BearerTokenAuthenticationToken bearer)) {
                        throw new BadCredentialsException("not an admin bearer token");
                    }
                    return registry.authenticate(bearer.getToken())
                            .<Authentication>map(AdminAuthentication::new)
                            .orElseThrow(
                                    () ->
                                            new BadCredentialsException(
                                                    "the admin token is not valid"));
                });
    }

    @Override
    public String toString() {
        return "AdminAuthenticationManager[" + registry + "]";
    }
}
