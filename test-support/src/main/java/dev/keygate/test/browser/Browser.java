package dev.keygate.test.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.deque.html.axecore.results.CheckedNode;
import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium for page tests (Debian's {@code chromium} and {@code chromium-driver},
 * or {@code KEYGATE_CHROMIUM} and {@code KEYGATE_CHROMEDRIVER}), driven by Selenium. Without them
 * the test is skipped with a message saying how to install them; CI installs them. Writes a
 * screenshot of every page it is asked to ({@link #screenshot}) under {@code target/screenshots/}
 * and runs axe-core ({@link #assertAccessible}): a serious or critical violation fails the test,
 * every violation is written to {@code target/screenshots/accessibility.txt}. Not thread-safe: one
 * test thread drives it. Selenium and axe-core are optional dependencies of this module: a module
 * that uses this class declares {@code selenium-java} and {@code com.deque.html.axe-core:selenium}
 * in test scope.
 */
public final class Browser implements AutoCloseable {

    /** Where the screenshots and the accessibility report go (relative to the module). */
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private static final Set<String> FAILING_IMPACTS = Set.of("serious", "critical");

    private final ChromeDriver driver;
    private int clicks;
    private int shots;

    private Browser(ChromeDriver driver) {
        this.driver = driver;
    }

    /** A new browser at desktop size; skips the test when there is no Chromium. */
    public static Browser open() {
        Optional<Path> chromium =
                firstExisting(
                        System.getenv("KEYGATE_CHROMIUM"),
                        "/usr/bin/chromium",
                        "/usr/bin/chromium-browser",
                        "/usr/bin/google-chrome");
        Optional<Path> chromedriver =
                firstExisting(
                        System.getenv("KEYGATE_CHROMEDRIVER"),
                        "/usr/bin/chromedriver",
                        "/usr/lib/chromium/chromedriver");
        Assumptions.assumeTrue(
                chromium.isPresent() && chromedriver.isPresent(),
                "browser tests skipped: no Chromium and ChromeDriver found. Install them with"
                        + " `apt-get install chromium chromium-driver` (CI does), or point"
                        + " KEYGATE_CHROMIUM and KEYGATE_CHROMEDRIVER at them.");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.get().toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--no-first-run",
                "--disable-extensions",
                "--window-size=1280,1000");
        ChromeDriverService service =
                new ChromeDriverService.Builder()
                        .usingDriverExecutable(chromedriver.get().toFile())
                        .usingAnyFreePort()
                        .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return new Browser(driver);
    }

    private static Optional<Path> firstExisting(String... candidates) {
        return Stream.of(candidates)
                .filter(candidate -> candidate != null && !candidate.isBlank())
                .map(Path::of)
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** Deletes the screenshots and the report of an earlier run. */
    public static void clearScreenshots() {
        try {
            if (Files.isDirectory(SCREENSHOTS)) {
                try (Stream<Path> files = Files.list(SCREENSHOTS)) {
                    for (Path file : files.toList()) {
                        Files.delete(file);
                    }
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public WebDriver driver() {
        return driver;
    }

    public void get(String url) {
        driver.get(url);
    }

    public WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    public List<WebElement> findAll(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /**
     * Clicks and waits until the browser shows another, fully loaded document. The old document is
     * marked with a window property before the click; the wait ends when a document without the
     * mark has loaded. Driver errors while the page is being replaced (stale elements, "node does
     * not belong to the document", scripts run mid-navigation) are retried until the bound.
     */
    public void clickAndWait(WebElement element) {
        String mark = "keygate-" + (++clicks);
        driver.executeScript("window.keygateClickMark = arguments[0];", mark);
        element.click();
        new WebDriverWait(driver, Duration.ofSeconds(20))
                .ignoring(org.openqa.selenium.WebDriverException.class)
                .until(
                        ignored ->
                                Boolean.TRUE.equals(
                                        driver.executeScript(
                                                "return window.keygateClickMark !== arguments[0]"
                                                        + " && document.readyState === 'complete';",
                                                mark)));
    }

    public String title() {
        return driver.getTitle();
    }

    public String url() {
        return driver.getCurrentUrl();
    }

    /** The visible text of the page's main content. */
    public String mainText() {
        return find("main").getText();
    }

    public void resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /** Forgets every cookie of the current site (and so every session on its host). */
    public void forgetCookies() {
        driver.manage().deleteAllCookies();
    }

    /** Writes {@code target/screenshots/NN-name.png}. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path file = SCREENSHOTS.resolve(String.format("%02d-%s.png", ++shots, name));
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Runs axe-core on the current page: fails on a serious or critical violation; appends every
     * violation (any impact) to {@code accessibility.txt}.
     */
    public void assertAccessible(String page) {
        Results results = new AxeBuilder().analyze(driver);
        List<Rule> violations = results.getViolations();
        StringBuilder report = new StringBuilder();
        report.append(page)
                .append(" (")
                .append(driver.getCurrentUrl())
                .append("): ")
                .append(violations.size())
                .append(" violation(s), ")
                .append(results.getPasses().size())
                .append(" rule(s) passed\n");
        for (Rule rule : violations) {
            report.append("  [")
                    .append(rule.getImpact())
                    .append("] ")
                    .append(rule.getId())
                    .append(": ")
                    .append(rule.getHelp())
                    .append(" at ")
                    .append(
                            rule.getNodes().stream()
                                    .map(CheckedNode::getTarget)
                                    .map(String::valueOf)
                                    .collect(Collectors.joining(", ")))
                    .append('\n');
        }
        try {
            Files.createDirectories(SCREENSHOTS);
            Files.writeString(
                    SCREENSHOTS.resolve("accessibility.txt"),
                    report,
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        assertThat(
                        violations.stream()
                                .filter(rule -> FAILING_IMPACTS.contains(rule.getImpact()))
                                .map(rule -> rule.getId() + ": " + rule.getHelp())
                                .toList())
                .as("serious accessibility violations on %s:%n%s", page, report)
                .isEmpty();
    }

    @Override
    public void close() {
        driver.quit();
    }
}
