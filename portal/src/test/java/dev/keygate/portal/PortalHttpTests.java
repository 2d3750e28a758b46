package dev.keygate.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.reactive.server.SecurityMockServerConfigurers.csrf;
import static org.springframework.security.test.web.reactive.server.SecurityMockServerConfigurers.mockOidcLogin;
import static org.springframework.security.test.web.reactive.server.SecurityMockServerConfigurers.springSecurity;

import dev.keygate.admin.audit.AuditEvent;
import dev.keygate.admin.auth.AdminPrincipal;
import dev.keygate.admin.auth.AdminRole;
import dev.keygate.admin.service.KeyAdminService;
import dev.keygate.core.store.KeyUpdate;
import dev.keygate.test.redis.RedisAclFile;
import dev.keygate.test.redis.RedisProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The portal over HTTP, on a real Redis with Keygate's ACL (the portal runs as the admin API's
 * Redis user, and must need nothing more). The self-service API gets real JWTs of an issuer served
 * over HTTP ({@link TestIssuer}); the pages get Spring Security's mock OIDC sign-in (the real
 * sign-in is {@code PortalBrowserTests}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PortalHttpTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private RedisAclFile acl;
    private RedisProcess redis;
    private TestIssuer issuer;
    private ConfigurableApplicationContext portal;
    private WebTestClient api;
    private WebTestClient pages;

    @BeforeAll
    void start(@TempDir Path aclDirectory) throws Exception {
        acl = RedisAclFile.render(aclDirectory);
        redis = RedisProcess.launch(acl.serverArgs());
        issuer = new TestIssuer();
        portal =
                SpringApplication.run(
                        PortalApplication.class,
                        "--server.port=0",
                        "--management.server.port=0",
                        "--spring.data.redis.host=" + redis.host(),
                        "--spring.data.redis.port=" + redis.port(),
                        "--spring.data.redis.username=" + RedisAclFile.ADMIN_USER,
                        "--spring.data.redis.password=" + acl.password(RedisAclFile.ADMIN_USER),
                        "--keygate.portal.oidc.issuer=" + issuer.uri(),
                        "--keygate.portal.oidc.client-id=keygate-portal",
                        "--keygate.portal.oidc.audience=keygate-portal",
                        "--keygate.portal.scopes[0].name=orders:read",
                        "--keygate.portal.scopes[0].description=Read your orders",
                        "--keygate.portal.max-keys-per-owner=3",
                        "--keygate.portal.creation-rate.limit=6",
                        "--keygate.portal.max-grace-period=P1D",
                        "--logging.level.root=WARN");
        String port = portal.getEnvironment().getRequiredProperty("local.server.port");
        api = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
        pages =
                WebTestClient.bindToApplicationContext(portal)
                        .apply(springSecurity())
                        .configureClient()
                        .build();
    }

    @BeforeEach
    void clean() {
        try (var operator = acl.connect(redis, RedisAclFile.OPERATOR_USER)) {
            operator.command("FLUSHALL");
        }
        acl.resetDenials(redis);
    }

    @AfterAll
    void stop() {
        if (portal != null) {
            portal.close();
        }
        if (issuer != null) {
            issuer.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aDeveloperManagesTheirOwnKeysWithABearerToken() {
        String token = issuer.token("dana", List.of("acme", "globex"));
        assertThat(list(token)).isEmpty();

        JsonNode created =
                api.post()
                        .uri("/v1/self/keys")
                        .headers(h -> h.setBearerAuth(token))
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(
                                Map.of(
                                        "name",
                                        "billing",
                                        "ttl",
                                        "P30D",
                                        "scopes",
                                        List.of("orders:read"),
                                        "organizations",
                                        List.of("acme")))
                        .exchange()
                        .expectStatus()
                        .isCreated()
                        .expectHeader()
                        .cacheControl(org.springframework.http.CacheControl.noStore())
                        .expectBody(JsonNode.class)
                        .returnResult()
                        .getResponseBody();
        String id = created.get("id").asString();
        assertThat(created.get("key").asString()).startsWith("kg_" + id + "_");
        assertThat(created.get("start").asString()).isEqualTo("kg_" + id);

        List<JsonNode> listed = list(token);
        assertThat(listed).singleElement().satisfies(key -> assertThat(key.has("key")).isFalse());

        JsonNode rotated =
                api.post()
                        .uri("/v1/self/keys/{id}/rotate", id)
                        .headers(h -> h.setBearerAuth(token))
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("gracePeriod", "PT1H"))
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectBody(JsonNode.class)
                        .returnResult()
                        .getResponseBody();
        assertThat(rotated.get("key").asString()).isNotEqualTo(created.get("key").asString());
        assertThat(rotated.has("previousKeyExpiresAt")).isTrue();

        api.delete()
                .uri("/v1/self/keys/{id}", id)
                .headers(h -> h.setBearerAuth(token))
                .exchange()
                .expectStatus()
                .isNoContent();
        assertThat(list(token)).isEmpty();

        List<AuditEvent> audit = portal.getBean(KeyAdminService.class).audit(id, null, 10).block();
        assertThat(audit).extracting(AuditEvent::actor).containsOnly("portal:dana").hasSize(3);
        assertThat(acl.denials(redis)).isEmpty();
    }

    @Test
    void anotherOwnersKeyAnswersNotFoundAndStaysUnchanged() {
        String dana = issuer.token("dana", List.of());
        String riley = issuer.token("riley", List.of());
        String id = create(dana, Map.of("name", "mine", "ttl", "P1D")).get("id").asString();

        for (var request :
                List.of(
                        api.get().uri("/v1/self/keys/{id}", id),
                        api.delete().uri("/v1/self/keys/{id}", id),
                        api.post().uri("/v1/self/keys/{id}/rotate", id))) {
            request.headers(h -> h.setBearerAuth(riley))
                    .exchange()
                    .expectStatus()
                    .isNotFound()
                    .expectHeader()
                    .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody()
                    .jsonPath("$.type")
                    .isEqualTo("https://keygate.dev/problems/not-found");
        }
        assertThat(list(riley)).isEmpty();
        assertThat(list(dana))
                .singleElement()
                .satisfies(k -> assertThat(k.get("id").asString()).isEqualTo(id));
    }

    @Test
    void badInputIsOneProblemListingEveryField() {
        String token = issuer.token("dana", List.of("acme"));
        api.post()
                .uri("/v1/self/keys")
                .headers(h -> h.setBearerAuth(token))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(
                        Map.of(
                                "name", "ok",
                                "scopes", List.of("orders:write"),
                                "organizations", List.of("initech")))
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://keygate.dev/problems/validation")
                .jsonPath("$.errors[*].field")
                .isEqualTo(List.of("expiresAt", "scopes", "organizations"));
        api.post()
                .uri("/v1/self/keys")
                .headers(h -> h.setBearerAuth(token))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", " ", "ttl", "P400D"))
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.errors[*].field")
                .isEqualTo(List.of("name"));
        api.post()
                .uri("/v1/self/keys")
                .headers(h -> h.setBearerAuth(token))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "long", "ttl", "P400D"))
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.errors[0].field")
                .isEqualTo("ttl")
                .jsonPath("$.errors[0].detail")
                .isEqualTo("must be at most 365 days from now");
        api.post()
                .uri("/v1/self/keys")
                .headers(h -> h.setBearerAuth(token))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "x", "ttl", "P1D", "owner", "someone-else"))
                .exchange()
                .expectStatus()
                .isBadRequest();
        assertThat(list(token)).isEmpty();
    }

    @Test
    void anOwnerHasAtMostMaxKeysPerOwner() {
        String token = issuer.token("dana", List.of());
        for (int i = 0; i < 3; i++) {
            create(token, Map.of("name", "key " + i, "ttl", "P1D"));
        }
        api.post()
                .uri("/v1/self/keys")
                .headers(h -> h.setBearerAuth(token))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "one too many", "ttl", "P1D"))
                .exchange()
                .expectStatus()
                .isEqualTo(409)
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://keygate.dev/problems/key-limit-reached");
        assertThat(list(token)).hasSize(3);
    }

    @Test
    void creationsAndRegenerationsPerOwnerAreRateLimited() {
        String token = issuer.token("dana", List.of());
        String id = create(token, Map.of("name", "busy", "ttl", "P1D")).get("id").asString();
        for (int i = 0; i < 5; i++) {
            api.post()
                    .uri("/v1/self/keys/{id}/rotate", id)
                    .headers(h -> h.setBearerAuth(token))
                    .exchange()
                    .expectStatus()
                    .isOk();
        }
        api.post()
                .uri("/v1/self/keys/{id}/rotate", id)
                .headers(h -> h.setBearerAuth(token))
                .exchange()
                .expectStatus()
                .isEqualTo(429)
                .expectHeader()
                .exists(HttpHeaders.RETRY_AFTER)
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://keygate.dev/problems/too-many-requests");
        // another owner is not slowed down by this one
        create(issuer.token("riley", List.of()), Map.of("name", "calm", "ttl", "P1D"));
        assertThat(acl.denials(redis)).isEmpty();
    }

    @Test
    void aRequestWithoutAValidTokenOfTheIssuerIsRefused() {
        api.get()
                .uri("/v1/self/keys")
                .exchange()
                .expectStatus()
                .isUnauthorized()
                .expectHeader()
                .valueMatches(HttpHeaders.WWW_AUTHENTICATE, "Bearer.*");
        for (String token :
                List.of(
                        issuer.expiredToken("dana"),
                        issuer.foreignToken("dana"),
                        issuer.otherIssuerToken("dana"),
                        issuer.idToken("dana"),
                        issuer.tokenWithoutExpiry("dana"),
                        issuer.tokenForAnotherAudience("dana"),
                        "not-a-jwt")) {
            api.get()
                    .uri("/v1/self/keys")
                    .headers(h -> h.setBearerAuth(token))
                    .exchange()
                    .expectStatus()
                    .isUnauthorized();
        }
    }

    @Test
    void aTokenWhoseOwnerClaimIsNotAnOwnerIdIsForbiddenAndAHugeTtlIsBadInput() {
        api.get()
                .uri("/v1/self/keys")
                .headers(h -> h.setBearerAuth(issuer.token("auth0|5f7c8ec7", List.of())))
                .exchange()
                .expectStatus()
                .isForbidden()
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://keygate.dev/problems/forbidden");
        api.post()
                .uri("/v1/self/keys")
                .headers(h -> h.setBearerAuth(issuer.token("dana", List.of())))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "forever", "ttl", "PT9223372036854775807S"))
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.errors[0].field")
                .isEqualTo("ttl");
    }

    @Test
    void aKeyTheOperatorDisabledCanBeNeitherRegeneratedNorRemovedByItsOwner() {
        String token = issuer.token("dana", List.of());
        String id = create(token, Map.of("name", "suspended", "ttl", "P1D")).get("id").asString();
        portal.getBean(KeyAdminService.class)
                .update(
                        new KeyAdminService.Caller(
                                new AdminPrincipal("operator", AdminRole.ADMIN, "t"), "test"),
                        id,
                        KeyUpdate.none().withEnabled(false))
                .block();
        api.delete()
                .uri("/v1/self/keys/{id}", id)
                .headers(h -> h.setBearerAuth(token))
                .exchange()
                .expectStatus()
                .isForbidden();
        api.post()
                .uri("/v1/self/keys/{id}/rotate", id)
                .headers(h -> h.setBearerAuth(token))
                .exchange()
                .expectStatus()
                .isForbidden();
        assertThat(list(token))
                .singleElement()
                .satisfies(key -> assertThat(key.get("status").asString()).isEqualTo("disabled"));
    }

    @Test
    void aRegenerationOnThePageKeepsTheOldKeyForTheChosenGraceAndNoLonger() {
        String id =
                create(issuer.token("dana", List.of()), Map.of("name", "graceful", "ttl", "P1D"))
                        .get("id")
                        .asString();
        MultiValueMap<String, String> grace = new LinkedMultiValueMap<>();
        grace.add("gracePeriod", "PT1H");
        String page =
                pages.mutateWith(dana())
                        .mutateWith(csrf())
                        .post()
                        .uri("/keys/{id}/regenerate", id)
                        .body(BodyInserters.fromFormData(grace))
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectBody(String.class)
                        .returnResult()
                        .getResponseBody();
        assertThat(page).contains("The previous key keeps working until");
        MultiValueMap<String, String> tooLong = new LinkedMultiValueMap<>();
        tooLong.add("gracePeriod", "P2D");
        pages.mutateWith(dana())
                .mutateWith(csrf())
                .post()
                .uri("/keys/{id}/regenerate", id)
                .body(BodyInserters.fromFormData(tooLong))
                .exchange()
                .expectStatus()
                .isBadRequest();
    }

    @Test
    void aPageForAMalformedKeyIdIsNotFound() {
        pages.mutateWith(dana())
                .get()
                .uri("/keys/{id}/remove", "kg:key:{x}")
                .exchange()
                .expectStatus()
                .isNotFound();
    }

    @Test
    void pagesForbidInlineScriptsAndFramingAndTheNewKeyPageIsNotStored() {
        pages.get()
                .uri("/")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueMatches(
                        "Content-Security-Policy", ".*script-src 'self';.*frame-ancestors 'none'.*")
                .expectHeader()
                .doesNotExist(HttpHeaders.SET_COOKIE);

        String page =
                pages.mutateWith(dana())
                        .mutateWith(csrf())
                        .post()
                        .uri("/keys")
                        .body(BodyInserters.fromFormData(form("<script>alert(1)</script>")))
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectHeader()
                        .value(
                                HttpHeaders.CACHE_CONTROL,
                                value -> assertThat(value).contains("no-store"))
                        .expectBody(String.class)
                        .returnResult()
                        .getResponseBody();
        assertThat(page)
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                .doesNotContain("<script>alert(1)</script>")
                .contains("id=\"secret\"");
        assertThat(page).doesNotContainPattern("<script(?![^>]*src=\"/keygate/ui.js\")");
    }

    @Test
    void aFormPostWithoutItsCsrfTokenIsRefused() {
        pages.mutateWith(dana())
                .post()
                .uri("/keys")
                .body(BodyInserters.fromFormData(form("forged")))
                .exchange()
                .expectStatus()
                .isForbidden();
        assertThat(list(issuer.token("dana", List.of()))).isEmpty();
    }

    @Test
    void theSessionCookieIsSecureOutsideLoopbackAndHttpOnlyEverywhere() {
        for (String base :
                List.of(
                        "https://portal.example.com",
                        "http://cafe",
                        "http://127.0.0.2:8083",
                        "http://localhost")) {
            String cookie =
                    pages.mutate()
                            .baseUrl(base)
                            .build()
                            .mutateWith(dana())
                            .get()
                            .uri("/keys/new")
                            .exchange()
                            .expectStatus()
                            .isOk()
                            .returnResult(String.class)
                            .getResponseHeaders()
                            .getFirst(HttpHeaders.SET_COOKIE);
            assertThat(cookie).contains("KEYGATE_PORTAL_SESSION=", "HttpOnly", "SameSite=Lax");
            if (!base.contains("localhost") && !base.contains("127.")) {
                assertThat(cookie).contains("Secure");
            } else {
                assertThat(cookie).doesNotContain("Secure");
            }
        }
    }

    private static org.springframework.security.test.web.reactive.server
                    .SecurityMockServerConfigurers.OidcLoginMutator
            dana() {
        return mockOidcLogin()
                .idToken(token -> token.subject("dana").claim("orgs", List.of("acme")));
    }

    private static MultiValueMap<String, String> form(String name) {
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("name", name);
        form.add(
                "expiresOn",
                java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(30).toString());
        return form;
    }

    private JsonNode create(String token, Map<String, Object> body) {
        return api.post()
                .uri("/v1/self/keys")
                .headers(h -> h.setBearerAuth(token))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus()
                .isCreated()
                .expectBody(JsonNode.class)
                .returnResult()
                .getResponseBody();
    }

    private List<JsonNode> list(String token) {
        JsonNode body =
                api.get()
                        .uri("/v1/self/keys")
                        .headers(h -> h.setBearerAuth(token))
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectBody(JsonNode.class)
                        .returnResult()
                        .getResponseBody();
        return JSON.treeToValue(
                body.get("keys"),
                JSON.getTypeFactory().constructCollectionType(List.class, JsonNode.class));
    }
}
