package dev.keygate.admin.config;

import dev.keygate.admin.auth.AdminAuthenticationFailureHandler;
import dev.keygate.admin.auth.AdminAuthenticationManager;
import dev.keygate.admin.auth.AdminRole;
import dev.keygate.admin.auth.AdminTokenRegistry;
import dev.keygate.admin.problem.ProblemException;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AuthenticationCredentialsNotFoundException;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.BearerTokenErrors;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.security.web.server.authentication.ServerAuthenticationEntryPointFailureHandler;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedHandler;
import org.springframework.security.web.server.firewall.ServerWebExchangeFirewall;
import org.springframework.security.web.server.firewall.StrictServerWebExchangeFirewall;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.NegatedServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.OrServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import reactor.core.publisher.Mono;

/**
 * Admin authentication on Spring Security's reactive stack: one {@link SecurityWebFilterChain} for
 * the API's own server. An {@link AuthenticationWebFilter} reads the token with Spring Security's
 * {@link ServerBearerTokenAuthenticationConverter} (exactly one {@code Authorization: Bearer
 * <token>} header, never the query string) and hands it to the {@link AdminAuthenticationManager};
 * {@code authorizeExchange} then lets {@code admin} tokens do everything and {@code read-only}
 * tokens {@code GET} and {@code HEAD} only. The published contract ({@link #PUBLIC_PATHS}) needs no
 * token. Refusals go to the {@link AdminAuthenticationFailureHandler} (401/403 problems, counted
 * and logged). A later OpenID Connect sign-in for a portal is one more chain with its own matcher.
 *
 * <p>The chain does not apply on the actuator's management server (its probes and metrics answer
 * without a token, as before), and it is stateless: no session, no saved request, no form login, no
 * HTTP Basic, no CSRF token (a bearer-token API has no ambient credentials to forge), no default
 * user (so no "generated security password"). Spring Security's response headers ({@code
 * X-Content-Type-Options}, {@code Cache-Control}, {@code X-Frame-Options}, ...) stay on.
 *
 * <p>Fails closed: any path not listed as public, however it is spelled, needs an admin token.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
public class AdminSecurityConfiguration {

    /** Paths served without a token (GET only): the OpenAPI contract and Swagger UI. */
    public static final List<String> PUBLIC_PATHS =
            List.of(
                    "/v3/api-docs",
                    "/v3/api-docs/**",
                    "/v3/api-docs.yaml",
                    "/swagger-ui.html",
                    "/swagger-ui/**",
                    "/webjars/swagger-ui/**");

    /** The longest {@code Authorization} header looked at; longer ones are malformed. */
    static final int MAX_AUTHORIZATION_LENGTH = 1024;

    @Bean
    AdminAuthenticationManager adminAuthenticationManager(AdminTokenRegistry registry) {
        return new AdminAuthenticationManager(registry);
    }

    @Bean
    AdminAuthenticationFailureHandler adminAuthenticationFailureHandler(MeterRegistry meters) {
        return new AdminAuthenticationFailureHandler(meters);
    }

    @Bean
    SecurityWebFilterChain adminSecurityWebFilterChain(
            ServerHttpSecurity http,
            AdminAuthenticationManager authenticationManager,
            AdminAuthenticationFailureHandler failures) {
        AuthenticationWebFilter bearer = new AuthenticationWebFilter(authenticationManager);
        bearer.setServerAuthenticationConverter(singleBearerToken());
        // the published contract is read without a token, even by a client holding a stale one
        bearer.setRequiresAuthenticationMatcher(new NegatedServerWebExchangeMatcher(publicPaths()));
        bearer.setAuthenticationFailureHandler(
                new ServerAuthenticationEntryPointFailureHandler(failures));
        bearer.setSecurityContextRepository(NoOpServerSecurityContextRepository.getInstance());
        String admin = AdminRole.ADMIN.value();
        String readOnly = AdminRole.READ_ONLY.value();
        return http.securityMatcher(
                        new NegatedServerWebExchangeMatcher(ServerMatchers.managementServer()))
                .authorizeExchange(
                        exchanges ->
                                exchanges
                                        .matchers(publicPaths())
                                        .permitAll()
                                        .pathMatchers(HttpMethod.GET, "/**")
                                        .hasAnyAuthority(admin, readOnly)
                                        .pathMatchers(HttpMethod.HEAD, "/**")
                                        .hasAnyAuthority(admin, readOnly)
                                        .anyExchange()
                                        .hasAuthority(admin))
                .addFilterAt(bearer, SecurityWebFiltersOrder.AUTHENTICATION)
                .exceptionHandling(
                        handling ->
                                handling.authenticationEntryPoint(failures)
                                        .accessDeniedHandler(failures))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .build();
    }

    /**
     * Spring Security's converter, stricter in two ways (as the admin API always was): two {@code
     * Authorization} headers, or one longer than {@value #MAX_AUTHORIZATION_LENGTH} characters, are
     * malformed instead of "use the first".
     */
    static ServerAuthenticationConverter singleBearerToken() {
        ServerBearerTokenAuthenticationConverter spring =
                new ServerBearerTokenAuthenticationConverter();
        return exchange -> {
            List<String> values =
                    exchange.getRequest().getHeaders().getOrEmpty(HttpHeaders.AUTHORIZATION);
            if (values.size() > 1
                    || (values.size() == 1 && values.get(0).length() > MAX_AUTHORIZATION_LENGTH)) {
                return Mono.error(
                        new OAuth2AuthenticationException(
                                BearerTokenErrors.invalidRequest(
                                        "exactly one Authorization header is allowed")));
            }
            return spring.convert(exchange);
        };
    }

    /** GET and HEAD on the {@link #PUBLIC_PATHS}. */
    private static ServerWebExchangeMatcher publicPaths() {
        String[] paths = PUBLIC_PATHS.toArray(String[]::new);
        return new OrServerWebExchangeMatcher(
                ServerWebExchangeMatchers.pathMatchers(HttpMethod.GET, paths),
                ServerWebExchangeMatchers.pathMatchers(HttpMethod.HEAD, paths));
    }

    /**
     * Spring Security's firewall, on the API's server only, as loose as the API was before it:
     * matrix parameters ({@code ;v=1}, ignored by routing) and any method (answered 401, 403 or 405
     * by the chain and WebFlux) pass; paths not in normal form (double slashes, dot segments,
     * encoded separators) are refused ({@link #adminRejectedPaths}). The actuator's management
     * server, which needs no token, is left alone: its probes answer as they always did.
     */
    @Bean
    ServerWebExchangeFirewall adminFirewall() {
        StrictServerWebExchangeFirewall strict = new StrictServerWebExchangeFirewall();
        strict.setAllowSemicolon(true);
        strict.setUnsafeAllowAnyHttpMethod(true);
        return exchange ->
                ServerMatchers.managementServer()
                        .matches(exchange)
                        .flatMap(
                                management ->
                                        management.isMatch()
                                                ? Mono.just(exchange)
                                                : strict.getFirewalledExchange(exchange));
    }

    /**
     * A path the firewall refused is no route: 404 for an admin token, and for everyone else the
     * same 401 an unknown path gets (so it tells a caller without a token nothing), counted and
     * logged as any refusal.
     */
    @Bean
    ServerExchangeRejectedHandler adminRejectedPaths(
            AdminAuthenticationManager authenticationManager,
            AdminAuthenticationFailureHandler failures) {
        ServerAuthenticationConverter tokens = singleBearerToken();
        return (exchange, rejected) ->
                tokens.convert(exchange)
                        .flatMap(authenticationManager::authenticate)
                        .flatMap(
                                admin ->
                                        Mono.<Void>error(
                                                ProblemException.notFound(
                                                        "no resource at "
                                                                + exchange.getRequest()
                                                                        .getPath()
                                                                        .value())))
                        .switchIfEmpty(
                                Mono.defer(
                                        () ->
                                                failures.commence(
                                                        exchange,
                                                        new AuthenticationCredentialsNotFoundException(
                                                                "no token"))))
                        .onErrorResume(
                                AuthenticationException.class,
                                refused -> failures.commence(exchange, refused));
    }
}
