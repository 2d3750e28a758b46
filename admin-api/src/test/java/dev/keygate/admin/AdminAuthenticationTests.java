package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.admin.auth.AdminAuthenticationFailureHandler;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.security.core.userdetails.ReactiveUserDetailsService;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.reactive.result.method.RequestMappingInfo;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.pattern.PathPattern;

/** Admin authentication on every mapped {@code /v1} route. */
class AdminAuthenticationTests extends AdminApiTestSupport {

    @Autowired ApplicationContext context;
    @Autowired MeterRegistry meters;

    record Route(HttpMethod method, String path) {}

    /** Every {@code /v1} route of every annotated-controller mapping, path variables filled in. */
    private List<Route> mappedRoutes() {
        List<Route> routes = new ArrayList<>();
        for (RequestMappingHandlerMapping mapping :
                context.getBeansOfType(RequestMappingHandlerMapping.class).values()) {
            for (RequestMappingInfo info : mapping.getHandlerMethods().keySet()) {
                for (PathPattern pattern : info.getPatternsCondition().getPatterns()) {
                    String path =
                            pattern.getPatternString()
                                    .replace("{epoch}", "1")
                                    .replaceAll("\\{[^}]+}", "AAAAAAAAAAA");
                    if (!path.startsWith("/v1")) {
                        continue;
                    }
                    for (RequestMethod method : info.getMethodsCondition().getMethods()) {
                        routes.add(new Route(method.asHttpMethod(), path));
                    }
                }
            }
        }
        return routes;
    }

    @Test
    void theRouteWalkFindsEveryEndpointOfTheIssue() {
        assertThat(mappedRoutes())
                .containsExactlyInAnyOrder(
                        new Route(HttpMethod.POST, "/v1/keys"),
                        new Route(HttpMethod.GET, "/v1/keys"),
                        new Route(HttpMethod.GET, "/v1/keys/AAAAAAAAAAA"),
                        new Route(HttpMethod.POST, "/v1/keys/AAAAAAAAAAA/rotate"),
                        new Route(HttpMethod.POST, "/v1/keys/AAAAAAAAAAA/rotate/complete"),
                        new Route(HttpMethod.GET, "/v1/keys/AAAAAAAAAAA/usage"),
                        new Route(HttpMethod.PATCH, "/v1/keys/AAAAAAAAAAA"),
                        new Route(HttpMethod.DELETE, "/v1/keys/AAAAAAAAAAA"),
                        new Route(HttpMethod.GET, "/v1/audit"),
                        new Route(HttpMethod.GET, "/v1/gateways"),
                        new Route(HttpMethod.GET, "/v1/changes/1"),
                        new Route(HttpMethod.GET, "/v1/owners/AAAAAAAAAAA/limits"),
                        new Route(HttpMethod.PUT, "/v1/owners/AAAAAAAAAAA/limits"),
                        new Route(HttpMethod.DELETE, "/v1/owners/AAAAAAAAAAA/limits"));
    }

    @Test
    void everyRouteRefusesMissingMalformedAndUnknownTokensWith401() {
        for (Route route : mappedRoutes()) {
            for (String authorization :
                    new String[] {
                        null,
                        "Bearer wrong-token-0123456789abcdef",
                        "Basic " + ADMIN_TOKEN,
                        "Bearer " + ADMIN_TOKEN + " extra",
                        "Bearer"
                    }) {
                var request =
                        client.method(route.method())
                                .uri(route.path() + "?access_token=" + ADMIN_TOKEN)
                                .contentType(MediaType.APPLICATION_JSON);
                if (authorization != null) {
                    request = request.header("Authorization", authorization);
                }
                String body =
                        request.bodyValue("{\"owner\":\"a\"}")
                                .exchange()
                                .expectStatus()
                                .isUnauthorized()
                                .expectHeader()
                                .valueMatches("WWW-Authenticate", "Bearer.*")
                                .expectHeader()
                                .contentType("application/problem+json")
                                .expectBody(String.class)
                                .returnResult()
                                .getResponseBody();
                assertThat(body)
                        .as(route + " with " + authorization)
                        .contains("https://keygate.dev/problems/unauthorized")
                        .doesNotContain(ADMIN_TOKEN);
            }
        }
        assertThat(redisKeyCount()).isZero();
    }

    @Test
    void readOnlyTokenMayReadButEveryWriteIs403() {
        for (Route route : mappedRoutes()) {
            var spec =
                    as(READ_ONLY_TOKEN)
                            .method(route.method())
                            .uri(route.path() + (route.path().equals("/v1/keys") ? "?owner=a" : ""))
                            .contentType(MediaType.APPLICATION_JSON)
                            .bodyValue("{\"owner\":\"a\"}")
                            .exchange();
            if (route.method() == HttpMethod.GET) {
                spec.expectStatus().value(status -> assertThat(status).isIn(200, 404));
            } else {
                spec.expectStatus()
                        .isForbidden()
                        .expectHeader()
                        .contentType("application/problem+json")
                        .expectBody()
                        .jsonPath("$.type")
                        .isEqualTo("https://keygate.dev/problems/forbidden");
            }
        }
        assertThat(redisKeyCount()).isZero();
    }

    @Test
    void adminTokensMayDoEverything() {
        for (String token : List.of(ADMIN_TOKEN, SECOND_ADMIN_TOKEN)) {
            as(token)
                    .post()
                    .uri("/v1/keys")
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"owner\":\"a\"}")
                    .exchange()
                    .expectStatus()
                    .isCreated();
        }
    }

    @Test
    void failedAttemptsAreCountedByReason() {
        double before = failures("unknown");
        client.get()
                .uri("/v1/keys/AAAAAAAAAAA")
                .header("Authorization", "Bearer nope-nope-nope-nope")
                .exchange()
                .expectStatus()
                .isUnauthorized();
        assertThat(failures("unknown")).isEqualTo(before + 1);
        double missing = failures("missing");
        client.get().uri("/v1/audit").exchange().expectStatus().isUnauthorized();
        assertThat(failures("missing")).isEqualTo(missing + 1);
    }

    @Test
    void pathsOutsideTheRoutesAndOddSpellingsStillNeedAToken() {
        for (String path :
                List.of("/", "/v1", "//v1/keys?owner=a", "/v1//keys?owner=a", "/actuator/env")) {
            client.get()
                    .uri(java.net.URI.create("http://localhost:" + port + path))
                    .exchange()
                    .expectStatus()
                    .isUnauthorized();
        }
        client.post()
                .uri(java.net.URI.create("http://localhost:" + port + "//v1/keys"))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"owner\":\"a\"}")
                .exchange()
                .expectStatus()
                .isUnauthorized();
        client.get().uri("/v3/api-docs").exchange().expectStatus().isOk();
        assertThat(redisKeyCount()).isZero();
    }

    @Test
    void thePublishedContractIsReadWithHeadAndDespiteAStaleToken() {
        client.head().uri("/v3/api-docs").exchange().expectStatus().isOk();
        client.get()
                .uri("/v3/api-docs")
                .header("Authorization", "Bearer stale-token-0123456789abcdef")
                .exchange()
                .expectStatus()
                .isOk();
    }

    /**
     * As before the move to Spring Security: an admin gets 404 for a path not in normal form, 405
     * for a method no route has, and matrix parameters are ignored.
     */
    @Test
    void anAdminGetsTheAnswersOfTheRoutesNotOfTheFirewall() {
        String id =
                admin().post()
                        .uri("/v1/keys")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"owner\":\"a\"}")
                        .exchange()
                        .expectStatus()
                        .isCreated()
                        .expectBody(dev.keygate.admin.web.KeyView.class)
                        .returnResult()
                        .getResponseBody()
                        .id();
        admin().get()
                .uri(java.net.URI.create("http://localhost:" + port + "//v1/keys?owner=a"))
                .exchange()
                .expectStatus()
                .isNotFound()
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://keygate.dev/problems/not-found");
        admin().method(HttpMethod.TRACE)
                .uri("/v1/keys/" + id)
                .exchange()
                .expectStatus()
                .isEqualTo(405);
        admin().get()
                .uri(java.net.URI.create("http://localhost:" + port + "/v1/keys/" + id + ";v=1"))
                .exchange()
                .expectStatus()
                .isOk();
        // without a token, a path not in normal form is the same 401 as any other
        client.get()
                .uri(java.net.URI.create("http://localhost:" + port + "/v1/x/../keys?owner=a"))
                .exchange()
                .expectStatus()
                .isUnauthorized();
    }

    @Test
    void springSecurityAddsNoDefaultUserLoginPageOrSessionButKeepsItsHeaders() {
        assertThat(context.getBeansOfType(ReactiveUserDetailsService.class)).isEmpty();
        client.get().uri("/login").exchange().expectStatus().isUnauthorized();
        admin().get()
                .uri("/v1/audit")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .doesNotExist("Set-Cookie")
                .expectHeader()
                .valueEquals("X-Content-Type-Options", "nosniff");
    }

    private double failures(String reason) {
        var counter =
                meters.find(AdminAuthenticationFailureHandler.FAILURES_METRIC)
                        .tag("reason", reason)
                        .counter();
        return counter == null ? 0 : counter.count();
    }
}
