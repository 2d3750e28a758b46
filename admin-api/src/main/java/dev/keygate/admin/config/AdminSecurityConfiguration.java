package dev.keygate.admin.config;

import dev.keygate.admin.auth.AdminAuthenticationFailureHandler;
import dev.keygate.admin.auth.AdminAuthenticationManager;
import dev.keygate.admin.auth.AdminRole;
import dev.keygate.admin.auth.AdminTokenRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.BearerTokenErrors;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.security.web.server.authentication.ServerAuthenticationEntryPointFailureHandler;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.NegatedServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;
import org.springframework.web.server.ServerWebExchange;
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
        bearer.setAuthenticationFailureHandler(
                new ServerAuthenticationEntryPointFailureHandler(failures));
        bearer.setSecurityContextRepository(NoOpServerSecurityContextRepository.getInstance());
        String admin = AdminRole.ADMIN.value();
        String readOnly = AdminRole.READ_ONLY.value();
        return http.securityMatcher(
                        new NegatedServerWebExchangeMatcher(
                                AdminSecurityConfiguration::onManagementServer))
                .authorizeExchange(
                        exchanges ->
                                exchanges
                                        .pathMatchers(
                                                HttpMethod.GET, PUBLIC_PATHS.toArray(String[]::new))
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

    /** Whether the exchange is served by the actuator's own server (management port). */
    private static Mono<ServerWebExchangeMatcher.MatchResult> onManagementServer(
            ServerWebExchange exchange) {
        return WebServerApplicationContext.hasServerNamespace(
                        exchange.getApplicationContext(), WebServerNamespace.MANAGEMENT.getValue())
                ? ServerWebExchangeMatcher.MatchResult.match()
                : ServerWebExchangeMatcher.MatchResult.notMatch();
    }
}
