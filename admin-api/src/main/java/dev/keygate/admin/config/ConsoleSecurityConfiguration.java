package dev.keygate.admin.config;

import dev.keygate.admin.auth.AdminAuthenticationManager;
import dev.keygate.admin.auth.AdminRole;
import dev.keygate.admin.pages.PageHeaders;
import dev.keygate.admin.web.RequestIdWebFilter;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationFailureHandler;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationSuccessHandler;
import org.springframework.security.web.server.authentication.ServerAuthenticationFailureHandler;
import org.springframework.security.web.server.authentication.logout.RedirectServerLogoutSuccessHandler;
import org.springframework.security.web.server.csrf.CookieServerCsrfTokenRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import reactor.core.publisher.Mono;

/**
 * The operator console's chain ({@code /console/**} and the shared page assets {@code /keygate/**},
 * on the API's server only), before the API's bearer chain: Spring Security's form login, whose
 * password is an admin token, checked by the same {@link AdminAuthenticationManager} as the API's
 * bearer tokens. The authentication (and with it the token, which keys idempotent answers) lives in
 * the server-side session; the browser holds only the session cookie (HttpOnly, SameSite=Lax,
 * Secure over HTTPS), which only a successful sign-in creates (the CSRF token is in a cookie of its
 * own). {@code admin} may do everything, {@code read-only} only {@code GET} (its pages show no
 * button that changes anything, and a forged POST is 403). Every form carries a CSRF token;
 * sign-out is a POST. Pages send a Content-Security-Policy without inline scripts or styles and
 * with {@code frame-ancestors 'none'}.
 */
@Configuration(proxyBeanMethods = false)
class ConsoleSecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ConsoleSecurityConfiguration.class);

    static final String SIGN_IN = "/console/sign-in";

    @Bean
    @Order(1)
    SecurityWebFilterChain consoleSecurityWebFilterChain(
            ServerHttpSecurity http, AdminAuthenticationManager tokens) {
        String admin = AdminRole.ADMIN.value();
        String readOnly = AdminRole.READ_ONLY.value();
        RedirectServerLogoutSuccessHandler signedOut = new RedirectServerLogoutSuccessHandler();
        signedOut.setLogoutSuccessUrl(URI.create(SIGN_IN + "?signed-out"));
        return http.securityMatcher(
                        ServerMatchers.onApplicationServer(
                                ServerWebExchangeMatchers.pathMatchers(
                                        "/console", "/console/**", "/keygate/**")))
                .authorizeExchange(
                        exchanges ->
                                exchanges
                                        .pathMatchers(HttpMethod.GET, SIGN_IN, "/keygate/**")
                                        .permitAll()
                                        .pathMatchers(HttpMethod.POST, SIGN_IN)
                                        .permitAll()
                                        .pathMatchers(HttpMethod.POST, "/console/keys/search")
                                        .hasAnyAuthority(admin, readOnly)
                                        .pathMatchers(HttpMethod.GET, "/console", "/console/**")
                                        .hasAnyAuthority(admin, readOnly)
                                        .anyExchange()
                                        .hasAuthority(admin))
                .formLogin(
                        login ->
                                login.loginPage(SIGN_IN)
                                        .authenticationManager(adminTokenAsPassword(tokens))
                                        .authenticationSuccessHandler(
                                                new RedirectServerAuthenticationSuccessHandler(
                                                        "/console/keys"))
                                        .authenticationFailureHandler(signInFailed())
                                        .authenticationEntryPoint(
                                                new RedirectServerAuthenticationEntryPoint(
                                                        SIGN_IN)))
                // the CSRF token in a cookie, not in the session: a visitor without a token gets
                // no server-side session, so a flood of sign-in page views cannot fill the store
                .csrf(csrf -> csrf.csrfTokenRepository(new CookieServerCsrfTokenRepository()))
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .logout(
                        logout ->
                                logout.logoutUrl("/console/sign-out")
                                        .logoutSuccessHandler(signedOut))
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .headers(PageHeaders::apply)
                .build();
    }

    /** A refused sign-in is logged (never the token) and sent back to the sign-in page. */
    private static ServerAuthenticationFailureHandler signInFailed() {
        RedirectServerAuthenticationFailureHandler redirect =
                new RedirectServerAuthenticationFailureHandler(SIGN_IN + "?error");
        return (exchange, refused) -> {
            log.warn(
                    "console sign-in refused: {} (request {})",
                    refused.getMessage(),
                    RequestIdWebFilter.requestId(exchange.getExchange()));
            return redirect.onAuthenticationFailure(exchange, refused);
        };
    }

    /**
     * Form login sends a user name and a password; the console asks only for the token, sent as the
     * password, and authenticates it exactly as a bearer token.
     */
    private static ReactiveAuthenticationManager adminTokenAsPassword(
            AdminAuthenticationManager tokens) {
        return authentication -> {
            Object token = authentication.getCredentials();
            if (!(token instanceof String value) || value.isEmpty()) {
                return Mono.error(new BadCredentialsException("no admin token"));
            }
            return tokens.authenticate(new BearerTokenAuthenticationToken(value));
        };
    }
}
