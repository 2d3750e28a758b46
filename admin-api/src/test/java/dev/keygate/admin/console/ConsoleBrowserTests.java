package dev.keygate.admin.console;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.keygate.admin.AdminApi;
import dev.keygate.admin.AdminApiApplication;
import dev.keygate.test.browser.Browser;
import dev.keygate.test.process.JarProcess;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.support.ui.Select;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The operator console end to end, in a real browser: the admin API in this JVM, a gateway as its
 * own process (its built jar), one real Redis. An operator signs in with an admin token, creates a
 * key and reads it from the page, calls the gateway with it, rotates it with a grace (both keys
 * work, the old one deprecated), removes it (refused); markup in names and metadata shows as text;
 * a read-only token sees no change buttons and its forged POST is refused. Every page is
 * photographed under {@code target/screenshots/} and checked with axe-core; with {@code
 * -Dkeygate.docs.write=true} the key page's picture also replaces {@code
 * docs/images/console-key.png}, the README's.
 */
@ExtendWith(RedisExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTests {

    private static final String ADMIN_TOKEN = "console-admin-token-0123456789abcdef";
    private static final String VIEWER_TOKEN = "console-viewer-token-0123456789abcdef";
    private static final String XSS = "<img src=x onerror=alert(1)>";

    private final RedisServer redis;
    private final HttpClient http = HttpClient.newHttpClient();
    private WireMockServer upstream;
    private JarProcess gateway;
    private ConfigurableApplicationContext admin;
    private Browser browser;
    private String console;
    private String gatewayUrl;
    private int adminPort;

    private String keyId;
    private String key;

    ConsoleBrowserTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeAll
    void start() throws Exception {
        browser = Browser.open(); // skips everything when there is no Chromium
        Browser.clearScreenshots();
        redis.command("FLUSHALL");
        upstream = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        upstream.start();
        upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("{}")));
        int gatewayPort = JarProcess.freePort();
        int gatewayManagement = JarProcess.freePort();
        gatewayUrl = "http://127.0.0.1:" + gatewayPort;
        gateway =
                JarProcess.start(
                        "console-gateway",
                        "gateway",
                        "keygate-gateway",
                        Map.of(
                                "SERVER_PORT", Integer.toString(gatewayPort),
                                "MANAGEMENT_SERVER_PORT", Integer.toString(gatewayManagement),
                                "KEYGATE_GATEWAY_NODE_ID", "gw-console",
                                "KEYGATE_GATEWAY_UPSTREAM_URI",
                                        "http://127.0.0.1:" + upstream.port(),
                                "SPRING_DATA_REDIS_URL", redis.uri()));
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
                        // the receipts these pages show wait for the gateway process: on a loaded
                        // CI machine (a browser, two JVMs) 1 s was once too short for it to report
                        // (the wait ends as soon as it has)
                        "--keygate.admin.propagation.timeout=10s");
        adminPort =
                Integer.parseInt(admin.getEnvironment().getRequiredProperty("local.server.port"));
        console = "http://127.0.0.1:" + adminPort + "/console";
        gateway.awaitOk("http://127.0.0.1:" + gatewayManagement + "/actuator/health/readiness");
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.stop();
        }
    }

    @Test
    @Order(1)
    void anOperatorSignsInWithAnAdminTokenAndCreatesAKeyTheGatewayAccepts() throws Exception {
        browser.get(console + "/keys");
        assertThat(browser.title()).startsWith("Sign in");
        browser.screenshot("sign-in");
        browser.assertAccessible("sign in");
        browser.find("#token").sendKeys("not-the-token-0123456789");
        browser.clickAndWait(browser.find("main button[type=submit]"));
        assertThat(browser.mainText()).contains("That admin token is not valid");

        signIn(ADMIN_TOKEN);
        assertThat(browser.title()).startsWith("Keys");
        browser.screenshot("keys-search");
        browser.assertAccessible("keys search");

        browser.clickAndWait(browser.find("nav a[href='/console/keys/new']"));
        browser.find("#name").sendKeys("Billing " + XSS);
        browser.find("#scopes").sendKeys("orders:read Orders:Write");
        browser.find("#rateRequests").sendKeys("100");
        browser.clickAndWait(browser.find("main button[type=submit]"));
        assertThat(browser.find("#owner-error").getText()).isEqualTo("is required");
        assertThat(browser.find("#scopes-error").getText()).contains("lower case");
        assertThat(browser.find("#name").getAttribute("value")).isEqualTo("Billing " + XSS);
        assertThat(browser.find("#rateRequests").getAttribute("value")).isEqualTo("100");
        browser.screenshot("create-refused");
        browser.assertAccessible("create form with errors");

        browser.find("#owner").sendKeys("acct-console");
        browser.find("#scopes").clear();
        browser.find("#scopes").sendKeys("orders:read orders:write");
        browser.clickAndWait(browser.find("main button[type=submit]"));
        assertThat(browser.title()).startsWith("New secret");
        key = browser.find("#secret").getAttribute("value");
        assertThat(key).startsWith("kg_");
        keyId = key.split("_")[1];
        assertThat(browser.mainText()).contains("Applied by 1 of 1 gateway");
        assertThat(browser.url()).doesNotContain(key);
        browser.screenshot("key-created");
        browser.assertAccessible("new secret");
        assertThat(gateway(key).statusCode()).isEqualTo(200);
    }

    @Test
    @Order(2)
    void rotatingWithAGraceKeepsBothKeysWorkingAndTheOldOneDeprecated() throws Exception {
        browser.get(console + "/keys/" + keyId);
        assertThat(browser.find("main h1").getText()).isEqualTo("Billing " + XSS);
        assertThat(browser.findAll("main img")).isEmpty();
        new Select(browser.find("#gracePeriod")).selectByValue("PT1H");
        browser.clickAndWait(browser.find("form[action$='/rotate'] button"));
        String rotated = browser.find("#secret").getAttribute("value");
        assertThat(rotated).isNotEqualTo(key);
        assertThat(browser.mainText()).contains("reported as deprecated");

        HttpResponse<Void> old = gateway(key);
        assertThat(old.statusCode()).isEqualTo(200);
        assertThat(old.headers().firstValue("Deprecation")).isPresent();
        assertThat(gateway(rotated).statusCode()).isEqualTo(200);

        browser.get(console + "/keys/" + keyId);
        assertThat(browser.mainText()).contains("(deprecated)", "rotated");
        browser.screenshot("key");
        browser.assertAccessible("key page");
        Path picture = browser.screenshot("key-for-readme");
        if (Boolean.getBoolean("keygate.docs.write")) {
            // ./mvnw -pl admin-api test -Dtest=ConsoleBrowserTests -Dkeygate.docs.write=true
            Path images = Path.of("..", "docs", "images");
            Files.createDirectories(images);
            Files.copy(
                    picture,
                    images.resolve("console-key.png"),
                    StandardCopyOption.REPLACE_EXISTING);
        }

        browser.clickAndWait(browser.find("form[action$='/complete-rotation'] button"));
        assertThat(browser.mainText()).contains("The grace period ended", "Applied by 1 of 1");
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway(key).statusCode() == 401);
        key = rotated;
    }

    @Test
    @Order(3)
    void markupInNamesAndMetadataShowsAsTextEverywhere() throws Exception {
        String id =
                AdminApi.key(
                                AdminApi.at(adminPort, ADMIN_TOKEN)
                                        .create(
                                                Map.of(
                                                        "owner", "acct-console",
                                                        "name", "<script>alert(2)</script>",
                                                        "metadata", Map.of("note", XSS)),
                                                null)
                                        .expectStatus()
                                        .isCreated())
                        .id();
        browser.get(console + "/keys?q=acct-console");
        assertThat(browser.find("tr[data-key-id='" + id + "'] .key-name").getText())
                .isEqualTo("<script>alert(2)</script>");
        browser.screenshot("keys-of-owner");
        browser.assertAccessible("keys of an owner");
        browser.get(console + "/keys/" + id);
        assertThat(browser.mainText()).contains("note=" + XSS);
        assertThat(browser.findAll("main img, main script")).isEmpty();
        browser.get(console + "/audit?owner=acct-console");
        assertThat(browser.mainText()).contains("created", "ops");
        browser.screenshot("audit");
        browser.assertAccessible("audit");
        assertNoAlert();
    }

    @Test
    @Order(4)
    void aPastedKeyFindsItsKeyWithoutShowingTheSecret() {
        browser.get(console + "/keys");
        browser.find("#q").sendKeys(key);
        browser.clickAndWait(browser.find("form[role=search] button"));
        assertThat(browser.findAll("tr[data-key-id='" + keyId + "']")).hasSize(1);
        assertThat(browser.find("#q").getAttribute("value")).isEqualTo("kg_" + keyId);
        assertThat(browser.url()).doesNotContain(key).contains("q=kg_" + keyId);
        assertThat(browser.driver().getPageSource()).doesNotContain(key);
    }

    @Test
    @Order(5)
    void theGatewaysPageListsTheLiveGateway() {
        browser.get(console + "/gateways");
        assertThat(browser.find("tr[data-node='gw-console']").getText()).contains("gw-console");
        browser.screenshot("gateways");
        browser.assertAccessible("gateways");
    }

    @Test
    @Order(6)
    void removingAKeyNamesItAndStopsItAtOnce() throws Exception {
        browser.get(console + "/keys/" + keyId);
        browser.clickAndWait(browser.find("a[href$='/remove']"));
        assertThat(browser.find("main h1").getText()).contains("Billing " + XSS, "kg_" + keyId);
        browser.screenshot("remove-confirm");
        browser.assertAccessible("remove confirmation");
        browser.clickAndWait(browser.find("button.danger"));
        assertThat(browser.mainText()).contains("The key was removed", "Applied by 1 of 1");
        String removed = key;
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway(removed).statusCode() == 401);
        browser.screenshot("removed");
    }

    @Test
    @Order(7)
    void aReadOnlyTokenSeesNoChangeButtonAndItsForgedPostIsRefused() throws Exception {
        String id =
                AdminApi.key(
                                AdminApi.at(adminPort, ADMIN_TOKEN)
                                        .create(Map.of("owner", "acct-viewer"), null)
                                        .expectStatus()
                                        .isCreated())
                        .id();
        browser.clickAndWait(browser.find("form[action='/console/sign-out'] button"));
        assertThat(browser.mainText()).contains("You are signed out");
        signIn(VIEWER_TOKEN);
        browser.get(console + "/keys/" + id);
        assertThat(browser.find(".topbar-user").getText()).contains("viewer (read-only)");
        assertThat(browser.findAll("main form[method=post]")).isEmpty();
        assertThat(browser.findAll("main a[href$='/edit'], main a[href$='/remove']")).isEmpty();
        assertThat(browser.findAll("nav a[href='/console/keys/new']")).isEmpty();
        browser.screenshot("key-read-only");
        browser.assertAccessible("key page, read-only");

        Object status =
                ((JavascriptExecutor) browser.driver())
                        .executeAsyncScript(
                                "const done = arguments[arguments.length - 1];"
                                        + "const csrf = document.querySelector("
                                        + "\"form[action='/console/sign-out'] input[type=hidden]\");"
                                        + "const body = new URLSearchParams();"
                                        + "body.append(csrf.name, csrf.value);"
                                        + "fetch('/console/keys/"
                                        + id
                                        + "/remove', {method: 'POST',"
                                        + " body: body, redirect: 'manual'})"
                                        + ".then(r => done(r.status), e => done(String(e)));");
        assertThat(status).isEqualTo(403L);
        AdminApi.at(adminPort, ADMIN_TOKEN).get(id);
    }

    private void signIn(String token) {
        browser.get(console + "/sign-in");
        browser.find("#token").sendKeys(token);
        browser.clickAndWait(browser.find("main button[type=submit]"));
    }

    private void assertNoAlert() {
        try {
            browser.driver().switchTo().alert();
            throw new AssertionError("a script ran: an alert is open");
        } catch (NoAlertPresentException expected) {
            // markup was text
        }
    }

    private HttpResponse<Void> gateway(String apiKey) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(gatewayUrl + "/hello"))
                        .header("Authorization", "Bearer " + apiKey)
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.discarding());
    }
}
