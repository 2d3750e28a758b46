package dev.keygate.portal.browser;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.keygate.portal.PortalApplication;
import dev.keygate.test.browser.Browser;
import dev.keygate.test.process.JarProcess;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The developer portal end to end, in a real browser: the demo OpenID Connect provider and a
 * gateway run as their own processes (their built jars, as {@code deploy/local/run.sh} runs them),
 * the portal in this JVM, all on one real Redis. A developer signs in through the provider's login
 * page, creates a key and reads it from the page, calls the gateway with it, regenerates it (old
 * refused, new accepted), removes it (refused); a key named with markup shows as text; another
 * developer never sees the first one's keys. Every page is photographed under {@code
 * target/screenshots/} and checked with axe-core. The tests run in order on one browser session.
 */
@ExtendWith(RedisExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PortalBrowserTests {

    private static final String CLIENT_SECRET = "browser-test-client-secret";
    private static final String XSS_NAME = "<img src=x onerror=alert(1)>";

    private final RedisServer redis;
    private final HttpClient http = HttpClient.newHttpClient();
    private WireMockServer upstream;
    private JarProcess provider;
    private JarProcess gateway;
    private ConfigurableApplicationContext portal;
    private Browser browser;
    private String portalUrl;
    private String gatewayUrl;

    private String firstKey;
    private String firstKeyId;

    PortalBrowserTests(RedisServer redis) {
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

        int portalPort = JarProcess.freePort();
        int providerPort = JarProcess.freePort();
        int gatewayPort = JarProcess.freePort();
        int gatewayManagement = JarProcess.freePort();
        portalUrl = "http://127.0.0.1:" + portalPort;
        gatewayUrl = "http://127.0.0.1:" + gatewayPort;
        String issuer = "http://127.0.0.1:" + providerPort;

        provider =
                JarProcess.start(
                        "demo-idp",
                        "deploy/local/demo-idp",
                        "keygate-demo-idp",
                        Map.of(
                                "SERVER_PORT",
                                Integer.toString(providerPort),
                                "KEYGATE_DEMO_IDP_CLIENT_SECRET",
                                CLIENT_SECRET,
                                "KEYGATE_DEMO_IDP_REDIRECT_URIS",
                                portalUrl + "/login/oauth2/code/keygate",
                                "SPRING_APPLICATION_JSON",
                                "{\"keygate.demo-idp.users\":["
                                        + "{\"username\":\"demo\",\"password\":\"demo-password\","
                                        + "\"name\":\"Dana Demo\",\"orgs\":[\"acme\",\"globex\"]},"
                                        + "{\"username\":\"riley\",\"password\":\"riley-password\","
                                        + "\"name\":\"Riley Other\",\"orgs\":[\"initech\"]}]}"));
        gateway =
                JarProcess.start(
                        "gateway",
                        "gateway",
                        "keygate-gateway",
                        Map.of(
                                "SERVER_PORT", Integer.toString(gatewayPort),
                                "MANAGEMENT_SERVER_PORT", Integer.toString(gatewayManagement),
                                "KEYGATE_GATEWAY_UPSTREAM_URI",
                                        "http://127.0.0.1:" + upstream.port(),
                                "SPRING_DATA_REDIS_URL", redis.uri()));
        portal =
                new SpringApplicationBuilder(PortalApplication.class)
                        .run(
                                "--server.port=" + portalPort,
                                "--management.server.port=0",
                                "--spring.data.redis.host=" + redis.host(),
                                "--spring.data.redis.port=" + redis.port(),
                                "--keygate.portal.oidc.issuer=" + issuer,
                                "--keygate.portal.oidc.client-id=keygate-portal",
                                "--keygate.portal.oidc.client-secret=" + CLIENT_SECRET,
                                "--keygate.portal.gateway-url=" + gatewayUrl + "/hello",
                                "--keygate.portal.scopes[0].name=orders:read",
                                "--keygate.portal.scopes[0].description=Read your orders",
                                "--keygate.portal.scopes[1].name=orders:write",
                                "--keygate.portal.scopes[1].description=Create and change orders",
                                // changes wait for the gateway process's receipt; 1 s can be short
                                // on a loaded CI machine (the wait ends as soon as it reports)
                                "--keygate.admin.propagation.timeout=10s");
        provider.awaitOk(issuer + "/.well-known/openid-configuration");
        gateway.awaitOk("http://127.0.0.1:" + gatewayManagement + "/actuator/health/readiness");
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (portal != null) {
            portal.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (provider != null) {
            provider.close();
        }
        if (upstream != null) {
            upstream.stop();
        }
    }

    @Test
    @Order(1)
    void aDeveloperSignsInThroughTheProviderAndCreatesAKeyTheGatewayAccepts() throws Exception {
        browser.get(portalUrl + "/");
        assertThat(browser.mainText()).contains("API keys for developers");
        browser.screenshot("welcome");
        browser.assertAccessible("welcome");

        signIn("demo", "demo-password");
        assertThat(browser.title()).startsWith("Your API keys");
        assertThat(browser.mainText()).contains("No keys yet");
        browser.screenshot("keys-empty");
        browser.assertAccessible("keys (empty)");

        browser.clickAndWait(browser.find("a.button[href='/keys/new']"));
        assertThat(browser.title()).startsWith("Create a key");
        browser.screenshot("new-key");
        browser.assertAccessible("new key form");

        // no name: refused next to the field, the rest of what was typed kept
        browser.find("#scope-0").click();
        browser.find("#org-0").click();
        browser.clickAndWait(browser.find("button[type=submit].button:not(.secondary)"));
        assertThat(browser.find("#name-error").getText()).isEqualTo("give the key a name");
        assertThat(browser.find("#scope-0").isSelected()).isTrue();
        assertThat(browser.find("#org-0").isSelected()).isTrue();
        assertThat(browser.find("#scope-1").isSelected()).isFalse();
        browser.screenshot("new-key-refused");
        browser.assertAccessible("new key form with errors");

        browser.find("#name").sendKeys("Billing service");
        browser.clickAndWait(browser.find("button[type=submit].button:not(.secondary)"));
        assertThat(browser.title()).startsWith("Your new key");
        assertThat(browser.mainText()).contains("It will not be shown again");
        firstKey = browser.find("#secret").getAttribute("value");
        assertThat(firstKey).startsWith("kg_");
        firstKeyId = firstKey.split("_")[1];
        browser.screenshot("key-shown-once");
        browser.assertAccessible("new key shown once");

        // never in the URL or in the browser's storage
        assertThat(browser.url()).doesNotContain(firstKey);
        assertThat(
                        browser.driver()
                                .getPageSource()
                                .contains(firstKey.substring(firstKey.length() - 10)))
                .isTrue();
        assertThat(
                        ((org.openqa.selenium.JavascriptExecutor) browser.driver())
                                .executeScript(
                                        "return localStorage.length + sessionStorage.length"))
                .isEqualTo(0L);
        assertThat(browser.driver().manage().getCookies())
                .allSatisfy(cookie -> assertThat(cookie.getValue()).doesNotContain(firstKey));

        assertThat(gatewayStatus(firstKey)).isEqualTo(200);

        browser.clickAndWait(browser.find("main a.button[href='/']"));
        WebElement row = browser.find("tr[data-key-id='" + firstKeyId + "']");
        assertThat(row.getText())
                .contains(
                        "Billing service", "kg_" + firstKeyId, "orders:read", "org: acme", "Active")
                .doesNotContain(firstKey);
        browser.screenshot("keys");
        browser.assertAccessible("keys");
    }

    @Test
    @Order(2)
    void regeneratingStopsTheOldKeyAtOnceAndShowsTheNewOneOnce() throws Exception {
        browser.get(portalUrl + "/");
        browser.clickAndWait(
                browser.find("tr[data-key-id='" + firstKeyId + "'] a[href$='/regenerate']"));
        assertThat(browser.mainText()).contains("stops working at once");
        browser.screenshot("regenerate-confirm");
        browser.assertAccessible("regenerate confirmation");

        browser.clickAndWait(browser.find("button.danger"));
        assertThat(browser.title()).startsWith("Your new key");
        assertThat(browser.mainText()).contains("The previous key has stopped working");
        String regenerated = browser.find("#secret").getAttribute("value");
        assertThat(regenerated).startsWith("kg_" + firstKeyId + "_").isNotEqualTo(firstKey);
        browser.screenshot("key-regenerated");

        String old = firstKey;
        await("the old key is refused")
                .atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> gatewayStatus(old) == 401);
        assertThat(gatewayStatus(regenerated)).isEqualTo(200);
        firstKey = regenerated;
    }

    @Test
    @Order(3)
    void removingAKeyStopsItAtOnce() throws Exception {
        browser.get(portalUrl + "/");
        browser.clickAndWait(
                browser.find("tr[data-key-id='" + firstKeyId + "'] a[href$='/remove']"));
        assertThat(browser.mainText()).contains("Billing service", "stops working at once");
        browser.screenshot("remove-confirm");
        browser.assertAccessible("remove confirmation");

        browser.clickAndWait(browser.find("button.danger"));
        assertThat(browser.mainText()).contains("The key was removed");
        assertThat(browser.findAll("tr[data-key-id='" + firstKeyId + "']")).isEmpty();
        browser.screenshot("key-removed");
        String removed = firstKey;
        await("the removed key is refused")
                .atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> gatewayStatus(removed) == 401);
    }

    @Test
    @Order(4)
    void aKeyNamedWithMarkupShowsItsNameAsText() throws Exception {
        browser.get(portalUrl + "/keys/new");
        browser.find("#name").sendKeys(XSS_NAME);
        browser.clickAndWait(browser.find("button[type=submit].button:not(.secondary)"));
        assertThat(browser.find("main h2").getText()).isEqualTo(XSS_NAME);
        String key = browser.find("#secret").getAttribute("value");
        firstKeyId = key.split("_")[1];

        browser.get(portalUrl + "/");
        assertThat(browser.find("tr[data-key-id='" + firstKeyId + "'] .key-name").getText())
                .isEqualTo(XSS_NAME);
        assertThat(browser.findAll("main img")).isEmpty();
        assertNoAlert();
        browser.screenshot("keys-markup-as-text");

        browser.resize(390, 844);
        browser.get(portalUrl + "/");
        assertThat(
                        ((org.openqa.selenium.JavascriptExecutor) browser.driver())
                                .executeScript(
                                        "return document.documentElement.scrollWidth <="
                                                + " window.innerWidth"))
                .as("no sideways scrolling at a phone's width")
                .isEqualTo(true);
        browser.screenshot("keys-phone");
        browser.assertAccessible("keys at a phone's width");
        browser.get(portalUrl + "/keys/new");
        browser.screenshot("new-key-phone");
        browser.resize(1280, 1000);
    }

    @Test
    @Order(5)
    void anotherDeveloperNeverSeesTheFirstOnesKeys() throws Exception {
        browser.get(portalUrl + "/");
        browser.clickAndWait(browser.find("form[action='/sign-out'] button"));
        assertThat(browser.mainText()).contains("You are signed out");
        browser.screenshot("signed-out");
        browser.forgetCookies(); // the provider's session too: sign in as someone else

        signIn("riley", "riley-password");
        assertThat(browser.find(".topbar-user").getText()).contains("Riley Other");
        assertThat(browser.mainText()).contains("No keys yet");
        assertThat(browser.driver().getPageSource()).doesNotContain(firstKeyId);

        browser.get(portalUrl + "/keys/" + firstKeyId + "/remove");
        assertThat(browser.find("main h1").getText()).isEqualTo("Key not found");
        browser.screenshot("other-developers-key-not-found");
        browser.assertAccessible("key not found");

        browser.get(portalUrl + "/keys/new");
        assertThat(browser.mainText()).contains("initech").doesNotContain("acme");
    }

    private void signIn(String user, String password) {
        browser.get(portalUrl + "/");
        browser.clickAndWait(browser.find("a.button[href='/oauth2/authorization/keygate']"));
        assertThat(browser.url()).as("the provider's login page").doesNotStartWith(portalUrl);
        if (browser.findAll("input#username").isEmpty()) {
            return; // still signed in at the provider
        }
        if ("demo".equals(user)) {
            browser.screenshot("provider-sign-in");
        }
        browser.find("input#username").sendKeys(user);
        browser.find("input#password").sendKeys(password);
        browser.clickAndWait(browser.find("button[type=submit]"));
        assertThat(browser.url()).startsWith(portalUrl);
    }

    private void assertNoAlert() {
        try {
            browser.driver().switchTo().alert();
            throw new AssertionError("a script ran: an alert is open");
        } catch (NoAlertPresentException expected) {
            // the markup was text
        }
    }

    private int gatewayStatus(String key) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create(gatewayUrl + "/hello"))
                                .header("Authorization", "Bearer " + key)
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
