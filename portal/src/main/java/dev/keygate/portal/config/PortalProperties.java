package dev.keygate.portal.config;

import dev.keygate.admin.web.InputLimits;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of the developer portal, under {@code keygate.portal}. The key store settings it
 * shares with the admin API (key prefix, Redis namespace, durability, propagation) are the admin
 * API's {@code keygate.admin.*}. {@link #toString()} never shows the client secret.
 *
 * @param oidc the OpenID Connect provider users sign in with
 * @param title the product name in the page header
 * @param maxTtl the longest lifetime a user may give a key
 * @param defaultTtl the lifetime the form proposes (capped at max-ttl)
 * @param scopes the permissions users may give their keys, each with a human description; a user
 *     can pick only from these (none: keys without scopes)
 * @param maxGracePeriod the longest grace a regeneration may keep the old key working; 0 (the
 *     default) offers none: the old key stops at once
 * @param maxKeysPerOwner how many keys one owner may have
 * @param creationRate how many keys one owner may create (or regenerate) per period
 * @param gatewayUrl the gateway's public address, shown in the example request (optional)
 */
@ConfigurationProperties("keygate.portal")
@Validated
public record PortalProperties(
        @Valid @NotNull OidcProperties oidc,
        @DefaultValue("Developer portal") @NotBlank String title,
        @DefaultValue("P365D") @NotNull @DurationMin(days = 1) @DurationMax(days = 3650)
                Duration maxTtl,
        @DefaultValue("P90D") @NotNull @DurationMin(days = 1) Duration defaultTtl,
        @DefaultValue @Valid List<ScopeProperties> scopes,
        @DefaultValue("PT0S") @NotNull @DurationMin(seconds = 0) @DurationMax(days = 30)
                Duration maxGracePeriod,
        @DefaultValue("10") @Min(1) @Max(1000) int maxKeysPerOwner,
        @DefaultValue @Valid @NotNull CreationRateProperties creationRate,
        URI gatewayUrl) {

    public PortalProperties {
        scopes = scopes == null ? List.of() : List.copyOf(scopes);
    }

    /** The lifetime the form proposes: {@code defaultTtl}, at most {@code maxTtl}. */
    public Duration proposedTtl() {
        return defaultTtl.compareTo(maxTtl) > 0 ? maxTtl : defaultTtl;
    }

    /** Whether a regeneration may keep the old key working for a while. */
    public boolean offersGrace() {
        return !maxGracePeriod.isZero();
    }

    /** The catalogue entry named {@code name}, if the operator defined one. */
    public Optional<ScopeProperties> scope(String name) {
        return scopes.stream().filter(scope -> scope.name().equals(name)).findFirst();
    }

    /**
     * The OpenID Connect provider, under {@code keygate.portal.oidc}. Users sign in with {@code
     * oauth2Login} (authorization code with PKCE) against {@code issuer}'s discovery document; the
     * self-service API accepts JWT access tokens from the same issuer.
     *
     * @param issuer the issuer URI (its {@code /.well-known/openid-configuration} is read on the
     *     first sign-in, not at start)
     * @param clientId the portal's client id at the provider
     * @param clientSecret its secret (client_secret_basic); empty for a public client
     * @param scopes the scopes the sign-in asks for
     * @param ownerClaim the claim whose value is the owner of the user's keys
     * @param organizationsClaim the claim listing the organisations the user may grant (a list of
     *     strings, or one string of space-separated names)
     * @param audience the self-service API accepts only access tokens whose {@code aud} contains
     *     it; unset, the API refuses every token (the pages work without it)
     */
    public record OidcProperties(
            @NotNull URI issuer,
            @NotBlank String clientId,
            String clientSecret,
            @DefaultValue({"openid", "profile", "email"}) @NotEmpty List<String> scopes,
            @DefaultValue("sub") @NotBlank String ownerClaim,
            @DefaultValue("orgs") @NotBlank String organizationsClaim,
            String audience) {

        @Override
        public String toString() {
            return "OidcProperties[issuer="
                    + issuer
                    + ", clientId="
                    + clientId
                    + ", clientSecret="
                    + (clientSecret == null || clientSecret.isEmpty() ? "<none>" : "<redacted>")
                    + ", scopes="
                    + scopes
                    + ", ownerClaim="
                    + ownerClaim
                    + ", organizationsClaim="
                    + organizationsClaim
                    + ", audience="
                    + audience
                    + "]";
        }
    }

    /**
     * One permission of the catalogue.
     *
     * @param name the scope as the gateway checks it ({@code resource} or {@code resource:action})
     * @param description what it allows, in words a user understands
     */
    public record ScopeProperties(
            @NotBlank @Pattern(regexp = InputLimits.SCOPE, message = InputLimits.SCOPE_RULE)
                    String name,
            @NotBlank String description) {}

    /**
     * Creations (and regenerations) per owner, counted in Redis so every portal instance shares the
     * count: at most {@code limit} per {@code period} (a fixed window from the first one).
     *
     * @param limit how many
     * @param period per how long
     */
    public record CreationRateProperties(
            @DefaultValue("20") @Min(1) @Max(100_000) int limit,
            @DefaultValue("1h") @NotNull @DurationMin(seconds = 1) @DurationMax(days = 1)
                    Duration period) {}
}
