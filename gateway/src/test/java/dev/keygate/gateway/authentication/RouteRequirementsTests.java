package dev.keygate.gateway.authentication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.route.Route;

class RouteRequirementsTests {

    private static Route route(Map<String, Object> metadata) {
        return Route.async()
                .id("orders")
                .uri("http://orders:8080")
                .predicate(exchange -> true)
                .metadata(metadata)
                .build();
    }

    private static Route routeWithKeygate(Object keygate) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put(RouteRequirements.METADATA_KEY, keygate);
        return route(metadata);
    }

    @Test
    void routeWithoutMetadataIsProtectedAndNeedsOnlyAValidKey() {
        RouteRequirements requirements = RouteRequirements.of(route(Map.of()));

        assertThat(requirements).isEqualTo(RouteRequirements.ANY_VALID_KEY);
        assertThat(requirements.isPublic()).isFalse();
        assertThat(requirements.scopes()).isEmpty();
        assertThat(requirements.organizations()).isEmpty();
    }

    @Test
    void routeWithOtherMetadataOnlyIsProtected() {
        RouteRequirements requirements =
                RouteRequirements.of(route(Map.of("response-timeout", 200)));

        assertThat(requirements).isEqualTo(RouteRequirements.ANY_VALID_KEY);
    }

    @Test
    void noRouteIsProtected() {
        assertThat(RouteRequirements.of(null)).isEqualTo(RouteRequirements.ANY_VALID_KEY);
    }

    @Test
    void readsPublicScopesAndOrganizationsFromAMap() {
        RouteRequirements requirements =
                RouteRequirements.of(
                        routeWithKeygate(
                                Map.of(
                                        "scopes", List.of("orders:read", "orders:write"),
                                        "organizations", List.of("acme", "globex"))));

        assertThat(requirements.isPublic()).isFalse();
        assertThat(requirements.scopes()).containsExactlyInAnyOrder("orders:read", "orders:write");
        assertThat(requirements.organizations()).containsExactlyInAnyOrder("acme", "globex");
    }

    @Test
    void publicFlagMayBeABooleanOrAString() {
        assertThat(RouteRequirements.of(routeWithKeygate(Map.of("public", true))).isPublic())
                .isTrue();
        assertThat(RouteRequirements.of(routeWithKeygate(Map.of("public", "true"))).isPublic())
                .isTrue();
        assertThat(RouteRequirements.of(routeWithKeygate(Map.of("public", "TRUE"))).isPublic())
                .isTrue();
        assertThat(RouteRequirements.of(routeWithKeygate(Map.of("public", false))).isPublic())
                .isFalse();
    }

    @Test
    void anythingButTrueLeavesTheRouteProtected() {
        for (Object value : List.of("yes", "1", "", "flase")) {
            assertThat(RouteRequirements.of(routeWithKeygate(Map.of("public", value))).isPublic())
                    .as("public: '%s'", value)
                    .isFalse();
        }
        assertThat(RouteRequirements.of(routeWithKeygate(Map.of("scopes", "a"))).isPublic())
                .isFalse();
    }

    @Test
    void listsMayBeCommaSeparatedStrings() {
        RouteRequirements requirements =
                RouteRequirements.of(
                        routeWithKeygate(
                                Map.of(
                                        "scopes", " orders:read , orders:write,,",
                                        "organizations", "acme")));

        assertThat(requirements.scopes()).containsExactlyInAnyOrder("orders:read", "orders:write");
        assertThat(requirements.organizations()).containsExactly("acme");
    }

    @Test
    void listItemsMayThemselvesBeCommaSeparated() {
        RouteRequirements requirements =
                RouteRequirements.of(
                        routeWithKeygate(Map.of("scopes", List.of("a:read, a:write", "b:read"))));

        assertThat(requirements.scopes()).containsExactlyInAnyOrder("a:read", "a:write", "b:read");
    }

    @Test
    void readsYamlListsBoundAsIndexedMaps() {
        Map<String, Object> scopes = new LinkedHashMap<>();
        scopes.put("0", "orders:read");
        scopes.put("1", "orders:write");
        RouteRequirements requirements =
                RouteRequirements.of(
                        routeWithKeygate(
                                Map.of(
                                        "public",
                                        "false",
                                        "scopes",
                                        scopes,
                                        "organizations",
                                        Map.of("0", "acme"))));

        assertThat(requirements.isPublic()).isFalse();
        assertThat(requirements.scopes()).containsExactlyInAnyOrder("orders:read", "orders:write");
        assertThat(requirements.organizations()).containsExactly("acme");
    }

    @Test
    void requirementSetsAreImmutable() {
        RouteRequirements requirements =
                RouteRequirements.of(routeWithKeygate(Map.of("scopes", List.of("a"))));

        assertThat(requirements.scopes()).isUnmodifiable();
        assertThat(requirements.organizations()).isUnmodifiable();
    }

    @Test
    void metadataThatIsNotAMapFailsNamingTheRoute() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> RouteRequirements.of(routeWithKeygate("public")))
                .withMessageContaining("orders")
                .withMessageContaining(RouteRequirements.METADATA_KEY);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> RouteRequirements.of(routeWithKeygate(List.of("scopes"))));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> RouteRequirements.of(routeWithKeygate(true)));
    }

    @Test
    void anyValidKeyAsksNothing() {
        assertThat(RouteRequirements.ANY_VALID_KEY)
                .isEqualTo(new RouteRequirements(false, Set.of(), Set.of()));
    }

    @Test
    void readsARoutesRateLimitWithDurationAndDefaultBurst() {
        RouteRequirements requirements =
                RouteRequirements.of(
                        routeWithKeygate(
                                Map.of("rate-limit", Map.of("requests", "10", "per", "1m"))));

        assertThat(requirements.rateLimit())
                .isEqualTo(
                        new dev.keygate.core.limit.RateLimit(
                                10, java.time.Duration.ofMinutes(1), 10));
    }

    @Test
    void aMalformedRateLimitRefusesTheRouteNamingIt() {
        for (Object limit :
                List.of(
                        Map.of("requests", "ten"),
                        Map.of("requests", "10", "per", "500ms"),
                        Map.of("requests", "10", "per", "2d"),
                        Map.of("requests", "0"),
                        Map.of("requests", "10", "pre", "1s"),
                        "10/s")) {
            assertThatThrownBy(
                            () ->
                                    RouteRequirements.of(
                                            routeWithKeygate(Map.of("rate-limit", limit))))
                    .as("%s", limit)
                    .isInstanceOf(RouteRequirements.MalformedRouteRequirementsException.class)
                    .hasMessageContaining("route 'orders'")
                    .hasMessageContaining("rate-limit");
        }
    }
}
