package dev.keygate.demo.idp;

import dev.keygate.demo.idp.DemoIdpProperties.DemoUser;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.oidc.OidcScopes;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;

/**
 * The users, the client and the claims. Spring Boot's authorization-server configuration does the
 * rest: its two security chains (the protocol endpoints; form login for everything else), OIDC
 * discovery, and a signing key made at start.
 */
@Configuration(proxyBeanMethods = false)
class DemoIdpConfiguration {

    /** The portal's client: authorization code with PKCE (required), no consent screen. */
    @Bean
    RegisteredClientRepository registeredClientRepository(DemoIdpProperties properties) {
        RegisteredClient.Builder client =
                RegisteredClient.withId(UUID.randomUUID().toString())
                        .clientId(properties.clientId())
                        .clientSecret("{noop}" + properties.clientSecret())
                        .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                        .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                        .authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN)
                        .scope(OidcScopes.OPENID)
                        .scope(OidcScopes.PROFILE)
                        .scope(OidcScopes.EMAIL)
                        .clientSettings(
                                ClientSettings.builder()
                                        .requireProofKey(true)
                                        .requireAuthorizationConsent(false)
                                        .build())
                        .tokenSettings(
                                TokenSettings.builder()
                                        .accessTokenTimeToLive(properties.accessTokenTimeToLive())
                                        .build());
        properties.redirectUris().forEach(client::redirectUri);
        properties.postLogoutRedirectUris().forEach(client::postLogoutRedirectUri);
        return new InMemoryRegisteredClientRepository(client.build());
    }

    @Bean
    UserDetailsService users(DemoIdpProperties properties) {
        return new InMemoryUserDetailsManager(
                properties.users().stream()
                        .map(
                                user ->
                                        User.withUsername(user.username())
                                                .password("{noop}" + user.password())
                                                .roles("USER")
                                                .build())
                        .toList());
    }

    /**
     * Puts {@code orgs} (and {@code name}, {@code email}) into the ID token and the access token of
     * the signed-in user, as a provider's claim mapper would.
     */
    @Bean
    OAuth2TokenCustomizer<JwtEncodingContext> userClaims(DemoIdpProperties properties) {
        Map<String, DemoUser> byName =
                properties.users().stream()
                        .collect(Collectors.toMap(DemoUser::username, Function.identity()));
        return context -> {
            boolean idToken = OidcParameterNames.ID_TOKEN.equals(context.getTokenType().getValue());
            boolean accessToken = OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType());
            DemoUser user = byName.get(context.getPrincipal().getName());
            if (user == null || !(idToken || accessToken)) {
                return;
            }
            context.getClaims().claim("orgs", user.orgs());
            if (user.name() != null) {
                context.getClaims().claim("name", user.name());
            }
            if (user.email() != null) {
                context.getClaims().claim("email", user.email());
            }
        };
    }
}
