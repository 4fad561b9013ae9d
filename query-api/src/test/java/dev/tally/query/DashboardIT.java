package dev.tally.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.tally.config.ConfigFile;
import dev.tally.processor.ProcessorApp;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.Envelope;

/**
 * The dashboard at {@code /} in headless Chromium against a real broker, processor and query API:
 * the top keys and the chosen key's charts show the counts sent, a new event shows up without a
 * reload, and with tokens configured the page asks for one. Needs {@code /usr/bin/chromium} and
 * {@code /usr/bin/chromedriver} ({@code .ci/run} installs them); never downloads a browser or driver.
 */
class DashboardIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private ChromeDriver browser;

    @BeforeEach
    void startBrowser() throws Exception {
        assertThat(CHROMIUM).as("Chromium is needed: apt-get install chromium chromium-driver (see .ci/run)").exists();
        assertThat(CHROMEDRIVER).as("chromedriver is needed: apt-get install chromium-driver (see .ci/run)").exists();
        System.setProperty("SE_AVOID_BROWSER_DOWNLOAD", "true");
        System.setProperty("SE_OFFLINE", "true");
        final ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium")), "--window-size=1280,1000");
        final LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        final ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void shouldShowTheTopKeysAndAKeysChartsAndFollowANewEventLive() throws Exception {
        final Instant hour = awayFromTheHoursEnd();
        try (QueryCluster cluster = new QueryCluster(dir, 1)) {
            final String url = cluster.instances.get(0).url();
            final List<Envelope> events = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                events.add(QueryCluster.event("a" + i, "alpha", hour.plusSeconds(1 + i)));
            }
            for (int i = 0; i < 5; i++) {
                events.add(QueryCluster.event("b" + i, "beta", hour.plusSeconds(5 + i)));
            }
            cluster.send(events);
            awaitTotal(cluster, url, "alpha", 3);
            awaitTotal(cluster, url, "beta", 5);

            browser.get(url + "/#counter=by_customer&top=1h");
            // The top key is chosen when none is asked for.
            until("top keys", () -> topRows().equals(List.of("beta=5", "alpha=3")));
            until("beta's charts", () -> "5".equals(text(By.id("key-total")))
                    && chartCounts("1m").equals(List.of("5")) && chartCounts("1h").equals(List.of("5")));
            assertThat(browser.findElement(By.id("key-input")).getAttribute("value")).isEqualTo("beta");
            assertThat(browser.findElements(By.cssSelector("figure[data-window='1m'] canvas"))).isNotEmpty();
            assertThat(browser.findElements(By.cssSelector("figure[data-window='1h'] canvas"))).isNotEmpty();
            assertThat(browser.findElement(By.id("counter-list")).getText()).contains("by_customer");
            until("the live stream connected", () -> text(By.id("status")).startsWith("live"));

            cluster.send(List.of(QueryCluster.event("b5", "beta", hour.plusSeconds(20))));
            until("the new event, without a reload", () -> "6".equals(text(By.id("key-total")))
                    && chartCounts("1m").equals(List.of("6")) && topRows().equals(List.of("beta=6", "alpha=3")));

            // Another key from the table, then a key never seen: its empty state.
            browser.findElement(By.cssSelector("#top-table tbody tr[data-key='alpha']")).click();
            until("alpha's charts", () -> "3".equals(text(By.id("key-total"))) && chartCounts("1h").equals(List.of("3")));
            browser.findElement(By.cssSelector("#top-table tbody tr[data-key='beta']")).click();
            until("beta's charts again", () -> "6".equals(text(By.id("key-total"))));
            Thread.sleep(500);   // let the bars' layout settle before the picture
            screenshot("dashboard.png");

            final WebElement input = browser.findElement(By.id("key-input"));
            input.clear();
            input.sendKeys("nobody");
            browser.findElement(By.cssSelector("#key-form button")).click();
            until("the empty state of a key never seen", () -> "0".equals(text(By.id("key-total")))
                    && browser.findElement(By.cssSelector("figure[data-window='1m'] .empty")).getText().startsWith("No events yet"));
            screenshot("dashboard-empty-key.png");

            assertThat(browser.findElement(By.id("error")).isDisplayed()).as(text(By.id("error-text"))).isFalse();
            final List<String> problems = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).map(LogEntry::toString).toList();
            assertThat(problems).as("browser console").isEmpty();
        }
    }

    @Test
    void shouldShowThePipelineLiveWithoutAKey() throws Exception {
        try (QueryCluster cluster = new QueryCluster(dir, 1)) {
            final QueryCluster.Instance instance = cluster.instances.get(0);
            // The gateway's meters as tally up hands them over: a sender delivering about 100 a second.
            final AtomicLong accepted = new AtomicLong();
            final GatewayTraffic traffic = () -> List.of(new GatewayTraffic.Line("shop", "accepted", accepted.get()),
                    new GatewayTraffic.Line("shop", "signature", 3));
            final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
            sender.scheduleAtFixedRate(() -> accepted.addAndGet(10), 0, 100, TimeUnit.MILLISECONDS);
            final ProcessorConfig config = instance.config.withQueryPort(0);
            try (QueryApp query = new QueryApp(config, new CountsService(instance.processor.streams(), config),
                    Clock.systemUTC(), Map.of(), traffic).start()) {
                final Instant now = Instant.now();
                cluster.send(List.of(QueryCluster.event("p1", "alpha", now), QueryCluster.event("p2", "alpha", now)));
                awaitTotal(cluster, instance.url(), "alpha", 2);
                // A redelivery (a duplicate); then, once every partition's time has followed the clock
                // (idle_advance 1s), an event whose windows closed hours ago (late). A fixed wait: a stage's
                // time is seen from outside (CounterState.time) only once one of its windows has closed,
                // here a minute away, and waiting on that failed in CI.
                cluster.send(List.of(QueryCluster.event("p1", "alpha", now)));
                Thread.sleep(3000);
                cluster.send(List.of(QueryCluster.event("old", "alpha", now.minus(Duration.ofHours(5)))));

                browser.get("http://127.0.0.1:" + query.port() + "/");
                until(() -> "the pipeline's rates and totals, no key typed; shown: " + text(By.id("pipeline")), () -> number(By.id("pipe-accepted")) > 20
                        && "0".equals(text(By.id("pipe-rejected")).replace(".0", ""))
                        && text(By.id("pipe-duplicates-total")).equals("1 since start")
                        && text(By.id("pipe-late-total")).matches("[1-9]\\d* since start")
                        && text(By.id("pipe-freshness")).matches("\\d+(\\.\\d)? m?s")   // the old event's 5 h among them
                        && text(By.id("pipe-lag")).matches("\\d+"));
                until(() -> "the deliveries by source and outcome; shown: " + pipelineRows(),
                        () -> pipelineRows().equals(List.of("shop/accepted/n", "shop/rejected: signature/3")));
                screenshot("dashboard-pipeline.png");
                assertThat(browser.findElement(By.id("error")).isDisplayed()).as(text(By.id("error-text"))).isFalse();
            } finally {
                sender.shutdownNow();
            }
        }
    }

    /** source/outcome/total of each row, totals of two or more digits as n. */
    private List<String> pipelineRows() {
        return browser.findElements(By.cssSelector("#pipeline-table tbody tr")).stream()
                .map(tr -> tr.getAttribute("data-source") + "/" + tr.findElement(By.cssSelector("td.outcome")).getText()
                        + "/" + tr.findElement(By.cssSelector("td.total")).getText().replaceAll("\\d{2,}", "n"))
                .toList();
    }

    private double number(final By by) {
        final String t = text(by);
        return t.matches("\\d+(\\.\\d+)?") ? Double.parseDouble(t) : -1;
    }

    @Test
    void shouldAskForATokenWhenTokensAreConfiguredAndShowErrors() throws Exception {
        // The processor is not started: the counter list answers, every store read is a 503.
        final ProcessorConfig config = ProcessorConfig.from(ConfigFile.parse("DashboardIT", """
                kafka: {bootstrap_servers: "127.0.0.1:1"}
                processor:
                  counters: [{name: by_type, group_by: [event_type], windows: [1m]}]
                query:
                  port: 0
                  auth: {tokens: [{env: QUERY_TOKEN}]}
                """), Map.of()).withStateDir(dir.resolve("state"));
        final ProcessorApp processor = new ProcessorApp(config);
        try (QueryApp query = new QueryApp(config, new CountsService(processor.streams(), config),
                Clock.systemUTC(), Map.of("QUERY_TOKEN", "a-query-token-of-some-length")).start()) {
            browser.get("http://127.0.0.1:" + query.port() + "/");
            until("the sign-in form", () -> browser.findElement(By.id("login")).isDisplayed());
            screenshot("dashboard-sign-in.png");
            browser.findElement(By.id("token")).sendKeys("not-the-right-token-at-all");
            browser.findElement(By.cssSelector("#login-form button")).click();
            until("a refused token is said so", () -> text(By.id("error-text")).contains("not accepted")
                    && browser.findElement(By.id("login")).isDisplayed());

            browser.findElement(By.id("token")).sendKeys("a-query-token-of-some-length");
            browser.findElement(By.cssSelector("#login-form button")).click();
            until("the counters, once signed in", () -> browser.findElement(By.id("app")).isDisplayed()
                    && browser.findElement(By.id("counter-list")).getText().contains("by_type"));
            until("the unavailable store is shown as an error", () -> text(By.id("error-text")).contains("not queryable")
                    && text(By.id("top-empty")).startsWith("The top keys cannot be read right now"));
            screenshot("dashboard-unavailable.png");
            assertThat(browser.executeScript("return sessionStorage.getItem('tally.token')")).isEqualTo("a-query-token-of-some-length");
        } finally {
            processor.close();
        }
    }

    /** Saved under target/ to be looked at. */
    private void screenshot(final String name) throws java.io.IOException {
        final File shot = browser.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
    }

    private List<String> topRows() {
        final List<String> rows = new ArrayList<>();
        for (WebElement tr : browser.findElements(By.cssSelector("#top-table tbody tr"))) {
            rows.add(tr.findElement(By.cssSelector("td.key")).getText() + "=" + tr.findElement(By.cssSelector("td.count")).getText());
        }
        return rows;
    }

    /** The counts in a chart's data table (read from the DOM even while the table is folded). */
    private List<String> chartCounts(final String window) {
        return browser.findElements(By.cssSelector("figure[data-window='" + window + "'] td.count")).stream()
                .map(td -> td.getDomProperty("textContent")).toList();
    }

    private String text(final By by) {
        return browser.findElement(by).getText();
    }

    /** {@link #until(String, java.util.function.BooleanSupplier)}, saying what the page shows when it times out. */
    private void until(final java.util.function.Supplier<String> what, final java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, WAIT).withMessage(what).ignoring(StaleElementReferenceException.class)
                .until((WebDriver d) -> condition.getAsBoolean());
    }

    /** Waits for {@code condition}; the page re-renders live, so an element read as it is replaced is read again. */
    private void until(final String what, final java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, WAIT).withMessage(what).ignoring(StaleElementReferenceException.class)
                .until((WebDriver d) -> condition.getAsBoolean());
    }

    private static void awaitTotal(final QueryCluster cluster, final String url, final String key, final long total)
            throws InterruptedException {
        QueryCluster.await(Duration.ofSeconds(60), key + " counted", () -> cluster.get(url + "/v1/counters/by_customer/total?key=" + key)
                .body().contains("\"total\":" + total + "}"));
    }

    /** The start of the current hour, after waiting out its last two minutes: the page shows the hour containing now. */
    private static Instant awayFromTheHoursEnd() throws InterruptedException {
        final Instant now = Instant.now();
        final Instant next = now.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        if (Duration.between(now, next).compareTo(Duration.ofMinutes(2)) < 0) {
            Thread.sleep(Duration.between(now, next).toMillis() + 1000);
        }
        return Instant.now().truncatedTo(ChronoUnit.HOURS);
    }
}
