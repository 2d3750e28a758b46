package dev.keygate.demo.idp;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The demo provider's users and its one client, under {@code keygate.demo-idp}. {@link #toString()}
 * never shows a password or the client secret.
 *
 * @param clientId the client id the portal signs in with
 * @param clientSecret the client's secret (client_secret_basic)
 * @param redirectUris where the provider may send the browser back after sign-in
 * @param postLogoutRedirectUris where it may send the browser after an RP-initiated logout
 * @param accessTokenTimeToLive how long an access token is valid
 * @param users the people who can sign in
 */
@ConfigurationProperties("keygate.demo-idp")
@Validated
public record DemoIdpProperties(
        @DefaultValue("keygate-portal") @NotBlank String clientId,
        @DefaultValue("demo-portal-secret") @NotBlank String clientSecret,
        @DefaultValue("http://127.0.0.1:8083/login/oauth2/code/keygate") @NotEmpty
                List<String> redirectUris,
        @DefaultValue("http://127.0.0.1:8083/") List<String> postLogoutRedirectUris,
        @DefaultValue("5m") @NotNull Duration accessTokenTimeToLive,
        @NotEmpty @Valid List<DemoUser> users) {

    @Override
    public String toString() {
        return "DemoIdpProperties[clientId="
                + clientId
                + ", clientSecret=<redacted>, redirectUris="
                + redirectUris
                + ", users="
                + users
                + "]";
    }

    /**
     * One person who can sign in: the user name is the {@code sub} claim.
     *
     * @param username the login name and the subject
     * @param password the password (kept in memory only)
     * @param name the display name ({@code name} claim)
     * @param email the e-mail address ({@code email} claim)
     * @param orgs the organisations the person belongs to ({@code orgs} claim, a list)
     */
    public record DemoUser(
            @NotBlank String username,
            @NotBlank String password,
            String name,
            String email,
            @DefaultValue List<String> orgs) {

        public DemoUser {
            orgs = orgs == null ? List.of() : List.copyOf(orgs);
        }

        @Override
        public String toString() {
            return "DemoUser[username=" + username + ", password=<redacted>, orgs=" + orgs + "]";
        }
    }
}
