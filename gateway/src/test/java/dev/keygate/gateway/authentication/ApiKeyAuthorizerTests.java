package dev.keygate.gateway.authentication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.key.SecretHash;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeyAuthorizerTests {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final ApiKeyAuthorizer authorizer = ApiKeyAuthorizer.scopesAndOrganizations();

    private static KeyRecord key(Set<String> scopes, Set<String> organizations) {
        return new KeyRecord(
                "AAAAAAAAAAA",
                "acct-1",
                "test",
                organizations,
                scopes,
                T0,
                T0,
                null,
                true,
                SecretHash.of("secret"),
                null,
                null,
                Map.of(),
                null,
                null,
                1);
    }

    private static RouteRequirements requires(Set<String> scopes, Set<String> organizations) {
        return new RouteRequirements(false, scopes, organizations);
    }

    @Test
    void anyValidKeyMayUseARouteThatAsksNothing() {
        assertThat(authorizer.isAllowed(key(Set.of(), Set.of()), RouteRequirements.ANY_VALID_KEY))
                .isTrue();
    }

    @Test
    void everyRequiredScopeIsNeeded() {
        RouteRequirements route = requires(Set.of("orders:read", "orders:write"), Set.of());

        assertThat(
                        authorizer.isAllowed(
                                key(Set.of("orders:read", "orders:write"), Set.of()), route))
                .isTrue();
        assertThat(
                        authorizer.isAllowed(
                                key(Set.of("orders:read", "orders:write", "admin"), Set.of()),
                                route))
                .isTrue();
        assertThat(authorizer.isAllowed(key(Set.of("orders:read"), Set.of()), route)).isFalse();
        assertThat(authorizer.isAllowed(key(Set.of(), Set.of()), route)).isFalse();
    }

    @Test
    void scopesAreComparedExactly() {
        RouteRequirements route = requires(Set.of("orders:read"), Set.of());

        assertThat(authorizer.isAllowed(key(Set.of("Orders:Read"), Set.of()), route)).isFalse();
        assertThat(authorizer.isAllowed(key(Set.of("orders"), Set.of()), route)).isFalse();
        assertThat(authorizer.isAllowed(key(Set.of("orders:read:all"), Set.of()), route)).isFalse();
    }

    @Test
    void oneOfTheRequiredOrganizationsIsEnough() {
        RouteRequirements route = requires(Set.of(), Set.of("acme", "globex"));

        assertThat(authorizer.isAllowed(key(Set.of(), Set.of("globex")), route)).isTrue();
        assertThat(authorizer.isAllowed(key(Set.of(), Set.of("acme", "initech")), route)).isTrue();
        assertThat(authorizer.isAllowed(key(Set.of(), Set.of("initech")), route)).isFalse();
        assertThat(authorizer.isAllowed(key(Set.of(), Set.of()), route)).isFalse();
    }

    @Test
    void routeNamingNoOrganizationAcceptsAnyOrNone() {
        RouteRequirements route = requires(Set.of("a"), Set.of());

        assertThat(authorizer.isAllowed(key(Set.of("a"), Set.of()), route)).isTrue();
        assertThat(authorizer.isAllowed(key(Set.of("a"), Set.of("acme")), route)).isTrue();
    }

    @Test
    void scopesAndOrganizationAreBothNeeded() {
        RouteRequirements route = requires(Set.of("orders:read"), Set.of("acme"));

        assertThat(authorizer.isAllowed(key(Set.of("orders:read"), Set.of("acme")), route))
                .isTrue();
        assertThat(authorizer.isAllowed(key(Set.of("orders:read"), Set.of("globex")), route))
                .isFalse();
        assertThat(authorizer.isAllowed(key(Set.of(), Set.of("acme")), route)).isFalse();
    }
}
