package dev.keygate.admin.web;

import dev.keygate.admin.auth.AdminAuthentication;
import dev.keygate.admin.service.KeyAdminService.Caller;
import org.springframework.core.MethodParameter;
import org.springframework.web.reactive.BindingContext;
import org.springframework.web.reactive.result.method.HandlerMethodArgumentResolver;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Gives controller methods their {@link Caller}: the admin the security chain authenticated (the
 * {@link AdminAuthentication}'s principal) and the request id. Fails closed: a request that reaches
 * a handler without an admin authentication is a wiring bug, an error (500), never an anonymous
 * change. Stateless and thread-safe.
 */
public final class CallerArgumentResolver implements HandlerMethodArgumentResolver {

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == Caller.class;
    }

    @Override
    public Mono<Object> resolveArgument(
            MethodParameter parameter, BindingContext bindingContext, ServerWebExchange exchange) {
        return exchange.getPrincipal()
                .filter(AdminAuthentication.class::isInstance)
                .cast(AdminAuthentication.class)
                .<Object>map(
                        authentication ->
                                new Caller(
                                        authentication.getPrincipal(),
                                        RequestIdWebFilter.requestId(exchange)))
                .switchIfEmpty(
                        Mono.error(
                                () ->
                                        new IllegalStateException(
                                                "request reached a handler without an admin"
                                                        + " authentication")));
    }
}
