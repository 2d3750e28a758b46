package dev.keygate.admin.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.admin.AdminApiApplication;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;

/**
 * The console's security over real HTTP, as a browser or an attacker sends it: sign-in with a token
 * into a session, CSRF on every change, the pages' headers, a read-only session's change refused,
 * nothing on the management port, and the API's bearer chain still stateless.
 */
@ExtendWith(RedisExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleHttpTests {

    private static final String ADMIN_TOKEN = "console-http-admin-token-0123456789";
    private static final String VIEWER_TOKEN = "console-http-viewer-token-0123456789";
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    private final RedisServer redis;
    private ConfigurableApplicationContext admin;
    private WebTestClient client;
    private WebTestClient management;

    ConsoleHttpTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeAll
    void start() {
        admin =
                SpringApplication.run(
                        AdminApiApplication.class,
                        "--server.port=0",
                        "--management.server.port=0",
                        "--spring.data.redis.host=" + redis.host(),
                        "--spring.data.redis.port=" + redis.port(),
                        "--keygate.admin.tokens[0].name=ops",
                        "--keygate.admin.tokens[0].token=" + ADMIN_TOKEN,
                        "--keygate.admin.tokens[0].role=admin",
                        "--keygate.admin.tokens[1].name=viewer",
                        "--keygate.admin.tokens[1].token=" + VIEWER_TOKEN,
                        "--keygate.admin.tokens[1].role=read-only",
                        "--logging.level.root=WARN");
        client =
                WebTestClient.bindToServer()
                        .baseUrl(
                                "http://127.0.0.1:"
                                        + admin.getEnvironment()
                                                .getRequiredProperty("local.server.port"))
                        .build();
        management =
                WebTestClient.bindToServer()
                        .baseUrl(
                                "http://127.0.0.1:"
                                        + admin.getEnvironment()
                                                .getRequiredProperty("local.management.port"))
                        .build();
    }

    @AfterAll
    void stop() {
        if (admin != null) {
            admin.close();
        }
    }

    @Test
    void aPageWithoutASessionSendsToSignInAndPagesForbidInlineScriptsAndFraming() {
        client.get()
                .uri("/console/keys")
                .exchange()
                .expectStatus()
                .isFound()
                .expectHeader()
                .location("/console/sign-in");
        client.get()
                .uri("/console/sign-in")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueMatches(
                        "Content-Security-Policy", ".*script-src 'self';.*frame-ancestors 'none'.*")
                .expectHeader()
                .valueEquals("X-Frame-Options", "DENY");
    }

    @Test
    void aChangeWithoutItsCsrfTokenIsRefusedEvenWithAnAdminSession() {
        Session session = signIn(ADMIN_TOKEN);
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("owner", "acct-csrf");
        client.post()
                .uri("/console/keys")
                .cookie("SESSION", session.cookie())
                .cookie("XSRF-TOKEN", session.xsrfCookie())
                .body(BodyInserters.fromFormData(form))
                .exchange()
                .expectStatus()
                .isForbidden();
        form.add("_csrf", session.csrf());
        String page =
                client.post()
                        .uri("/console/keys")
                        .cookie("SESSION", session.cookie())
                        .cookie("XSRF-TOKEN", session.xsrfCookie())
                        .cookie("XSRF-TOKEN", session.xsrfCookie())
                        .body(BodyInserters.fromFormData(form))
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
        assertThat(page).contains("id=\"secret\"");
    }

    @Test
    void aReadOnlySessionMayReadButNotChange() {
        Session session = signIn(VIEWER_TOKEN);
        client.get()
                .uri("/console/keys")
                .cookie("SESSION", session.cookie())
                .cookie("XSRF-TOKEN", session.xsrfCookie())
                .exchange()
                .expectStatus()
                .isOk();
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("owner", "acct-viewer");
        form.add("_csrf", session.csrf());
        client.post()
                .uri("/console/keys")
                .cookie("SESSION", session.cookie())
                .cookie("XSRF-TOKEN", session.xsrfCookie())
                .body(BodyInserters.fromFormData(form))
                .exchange()
                .expectStatus()
                .isForbidden();
    }

    @Test
    void theApiStillAnswersAWrongMethodWithItsAllowHeader() {
        client.post()
                .uri("/v1/gateways")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + ADMIN_TOKEN)
                .exchange()
                .expectStatus()
                .isEqualTo(405)
                .expectHeader()
                .exists(HttpHeaders.ALLOW);
    }

    @Test
    void theConsoleIsNotOnTheManagementPortAndTheApiStaysStateless() {
        management.get().uri("/console/sign-in").exchange().expectStatus().isNotFound();
        client.get()
                .uri("/v1/gateways")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + ADMIN_TOKEN)
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .doesNotExist(HttpHeaders.SET_COOKIE);
        // a console session is no credential for the API
        Session session = signIn(ADMIN_TOKEN);
        client.get()
                .uri("/v1/gateways")
                .cookie("SESSION", session.cookie())
                .cookie("XSRF-TOKEN", session.xsrfCookie())
                .exchange()
                .expectStatus()
                .isUnauthorized();
    }

    private record Session(String cookie, String xsrfCookie, String csrf) {}

    /**
     * Signs in as a browser does and returns its cookies and a CSRF token of the session's page.
     */
    private Session signIn(String token) {
        var page =
                client.get()
                        .uri("/console/sign-in")
                        .exchange()
                        .expectBody(String.class)
                        .returnResult();
        assertThat(page.getResponseCookies().getFirst("SESSION"))
                .as("no session before a sign-in")
                .isNull();
        String xsrf = page.getResponseCookies().getFirst("XSRF-TOKEN").getValue();
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("username", "admin-token");
        form.add("password", token);
        form.add("_csrf", csrf(page.getResponseBody()));
        var signedIn =
                client.post()
                        .uri("/console/sign-in")
                        .cookie("XSRF-TOKEN", xsrf)
                        .body(BodyInserters.fromFormData(form))
                        .exchange()
                        .expectStatus()
                        .isFound()
                        .expectHeader()
                        .location("/console/keys")
                        .returnResult(Void.class);
        String session = signedIn.getResponseCookies().getFirst("SESSION").getValue();
        var rotated = signedIn.getResponseCookies().getFirst("XSRF-TOKEN");
        String sessionXsrf =
                rotated == null || rotated.getValue().isEmpty() ? xsrf : rotated.getValue();
        var keys =
                client.get()
                        .uri("/console/keys")
                        .cookie("SESSION", session)
                        .cookie("XSRF-TOKEN", sessionXsrf)
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectBody(String.class)
                        .returnResult();
        var fresh = keys.getResponseCookies().getFirst("XSRF-TOKEN");
        if (fresh != null && !fresh.getValue().isEmpty()) {
            sessionXsrf = fresh.getValue();
        }
        return new Session(session, sessionXsrf, csrf(keys.getResponseBody()));
    }

    private static String csrf(String html) {
        Matcher matcher = CSRF.matcher(html);
        assertThat(matcher.find()).as("a CSRF token in the page").isTrue();
        return matcher.group(1);
    }
}
