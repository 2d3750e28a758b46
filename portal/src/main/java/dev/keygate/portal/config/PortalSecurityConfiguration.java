package dev.keygate.portal.config;

import dev.keygate.admin.config.ServerMatchers;
import dev.keygate.admin.pages.PageHeaders;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.client.web.OAuth2AuthorizationRequestCustomizers;
import org.springframework.security.oauth2.client.web.server.DefaultServerOAuth2AuthorizationRequestResolver;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtTypeValidator;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationFailureHandler;
import org.springframework.security.web.server.authentication.logout.RedirectServerLogoutSuccessHandler;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.NegatedServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;

/**
 * The portal's two security chains, both Spring Security's own machinery, neither on the actuator's
 * management server (its probes need no sign-in):
 *
 * <ol>
 *   <li>{@code /v1/self/**}, the self-service API: an OAuth 2.0 resource server taking JWT access
 *       tokens of the configured issuer meant for {@code keygate.portal.oidc.audience} (see {@link
 *       #jwtDecoder}). Stateless: no session, no cookie, so no CSRF token either.
 *   <li>Everything else, the pages: {@code oauth2Login} (authorization code with PKCE, the session
 *       in a cookie, see {@link LoopbackAwareSessionIdResolver}), CSRF tokens on every form,
 *       sign-out by POST. Only the landing page and the static files are public.
 * </ol>
 *
 * Both send a Content-Security-Policy without inline scripts or styles and with {@code
 * frame-ancestors 'none'}, and load nothing from another origin.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
class PortalSecurityConfiguration {

    /** The page the portal's sign-in starts at (Spring Security's authorization request). */
    static final String SIGN_IN =
            "/oauth2/authorization/" + DiscoveredClientRegistrations.REGISTRATION_ID;

    @Bean
    @Order(1)
    SecurityWebFilterChain selfServiceApi(ServerHttpSecurity http, ReactiveJwtDecoder jwtDecoder) {
        return http.securityMatcher(
                        ServerMatchers.onApplicationServer(
                                ServerWebExchangeMatchers.pathMatchers("/v1/self/**")))
                .authorizeExchange(exchanges -> exchanges.anyExchange().authenticated())
                .oauth2ResourceServer(server -> server.jwt(jwt -> jwt.jwtDecoder(jwtDecoder)))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .headers(PageHeaders::apply)
                .build();
    }

    @Bean
    @Order(2)
    SecurityWebFilterChain pages(
            ServerHttpSecurity http, ReactiveClientRegistrationRepository registrations) {
        DefaultServerOAuth2AuthorizationRequestResolver authorizationRequests =
                new DefaultServerOAuth2AuthorizationRequestResolver(registrations);
        authorizationRequests.setAuthorizationRequestCustomizer(
                OAuth2AuthorizationRequestCustomizers.withPkce());
        RedirectServerLogoutSuccessHandler signedOut = new RedirectServerLogoutSuccessHandler();
        signedOut.setLogoutSuccessUrl(java.net.URI.create("/?signed-out"));
        return http.securityMatcher(
                        new NegatedServerWebExchangeMatcher(ServerMatchers.managementServer()))
                .authorizeExchange(
                        exchanges ->
                                exchanges
                                        .pathMatchers(
                                                HttpMethod.GET, "/", "/keygate/**", "/favicon.ico")
                                        .permitAll()
                                        .anyExchange()
                                        .authenticated())
                .oauth2Login(
                        login ->
                                login.authorizationRequestResolver(authorizationRequests)
                                        .authenticationFailureHandler(
                                                new RedirectServerAuthenticationFailureHandler(
                                                        "/?sign-in-failed")))
                .exceptionHandling(
                        handling ->
                                handling.authenticationEntryPoint(
                                        new RedirectServerAuthenticationEntryPoint(SIGN_IN)))
                .logout(logout -> logout.logoutUrl("/sign-out").logoutSuccessHandler(signedOut))
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .headers(PageHeaders::apply)
                .build();
    }

    /**
     * JWT access tokens of the configured issuer, fetched (reactively) on the first call, not at
     * start: signature from the issuer's JWKS, {@code iss}, {@code exp} (required) and {@code nbf},
     * {@code typ} {@code JWT} or {@code at+jwt} (RFC 9068), no {@code nonce} (an ID token is not an
     * access token), and {@code aud} containing {@code keygate.portal.oidc.audience}. Without an
     * audience every token is refused: a token the provider issued to another of its applications
     * must not manage keys (fail closed; the pages work without it).
     */
    @Bean
    ReactiveJwtDecoder jwtDecoder(PortalProperties properties) {
        PortalProperties.OidcProperties oidc = properties.oidc();
        String issuer = oidc.issuer().toString();
        NimbusReactiveJwtDecoder decoder =
                NimbusReactiveJwtDecoder.withIssuerLocation(issuer).validateType(false).build();
        JwtTimestampValidator timestamps = new JwtTimestampValidator();
        timestamps.setAllowEmptyExpiryClaim(false);
        JwtTypeValidator types = new JwtTypeValidator("JWT", "at+jwt");
        types.setAllowEmpty(true);
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        validators.add(new JwtIssuerValidator(issuer));
        validators.add(timestamps);
        validators.add(types);
        validators.add(notAnIdToken());
        validators.add(audience(oidc.audience()));
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(validators));
        return decoder;
    }

    private static OAuth2TokenValidator<Jwt> notAnIdToken() {
        OAuth2Error error =
                new OAuth2Error("invalid_token", "an ID token is not an access token", null);
        return jwt ->
                jwt.hasClaim("nonce")
                        ? OAuth2TokenValidatorResult.failure(error)
                        : OAuth2TokenValidatorResult.success();
    }

    private static OAuth2TokenValidator<Jwt> audience(String audience) {
        if (audience == null || audience.isBlank()) {
            OAuth2Error off =
                    new OAuth2Error(
                            "invalid_token",
                            "the self-service API is off: set keygate.portal.oidc.audience",
                            null);
            return jwt -> OAuth2TokenValidatorResult.failure(off);
        }
        OAuth2Error error =
                new OAuth2Error("invalid_token", "the token is not meant for " + audience, null);
        return jwt ->
                jwt.getAudience() != null && jwt.getAudience().contains(audience)
                        ? OAuth2TokenValidatorResult.success()
                        : OAuth2TokenValidatorResult.failure(error);
    }
}
