package dev.keygate.portal.web;

import dev.keygate.portal.user.PortalUser;
import dev.keygate.portal.user.PortalUsers;
import java.util.Objects;
import org.springframework.core.MethodParameter;
import org.springframework.security.authentication.AuthenticationCredentialsNotFoundException;
import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.web.reactive.BindingContext;
import org.springframework.web.reactive.result.method.HandlerMethodArgumentResolver;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Hands controllers the signed-in {@link PortalUser}, made by {@link PortalUsers} from the
 * session's OIDC user or the API call's JWT. The security chains let no unauthenticated request
 * reach a handler that takes one; a sign-in whose owner claim is unusable fails here (403 page or
 * problem). Stateless and thread-safe.
 */
public final class PortalUserArgumentResolver implements HandlerMethodArgumentResolver {

    private final PortalUsers users;

    public PortalUserArgumentResolver(PortalUsers users) {
        this.users = Objects.requireNonNull(users, "users");
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == PortalUser.class;
    }

    @Override
    public Mono<Object> resolveArgument(
            MethodParameter parameter, BindingContext context, ServerWebExchange exchange) {
        return ReactiveSecurityContextHolder.getContext()
                .map(SecurityContext::getAuthentication)
                .switchIfEmpty(
                        Mono.error(
                                () -> new AuthenticationCredentialsNotFoundException("signed out")))
                .map(users::from);
    }
}
