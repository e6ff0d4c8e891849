package dev.meridian.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meridian.router.testing.HeadlessChromium;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The status page ({@code /ui/}) in a real browser (headless Chromium, from the system) against a
 * real router and admin API in front of four regions on loopback: one drained, one degraded
 * (one of its two endpoints is down), two serving.
 *
 * <p>One browser for the class (starting Chromium is the slow part); a new router per test, on a
 * new port, so that every test starts on a new origin with empty session storage.
 */
class StatusPageBrowserTest {

    private static HeadlessChromium chromium;

    @TempDir
    Path dir;

    private StatusPageScenario scenario;
    private ChromeDriver browser;

    @BeforeAll
    static void startBrowser() {
        chromium = HeadlessChromium.start(1400, 900);
    }

    @AfterAll
    static void stopBrowser() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @BeforeEach
    void startRouter() {
        scenario = StatusPageScenario.start(dir, 0);
        browser = chromium.driver();
        browser.manage().window().setSize(new Dimension(1400, 900));
        chromium.forgetLogs(); // what earlier tests did is not this test's business
    }

    @AfterEach
    void stopRouter() {
        if (browser != null) {
            browser.get("about:blank");
        }
        if (scenario != null) {
            scenario.close();
        }
    }

    // ---- signing in ----

    @Test
    void withoutATokenOnlyTheSignInBoxIsShownAndATypedTokenSignsIn() {
        browser.get(scenario.page(null));

        waitUntil(d -> visible("#sign-in"));
        assertThat(visible("#dashboard")).as("no region data before signing in").isFalse();
        assertThat(browser.findElements(By.cssSelector("#regions-body tr"))).isEmpty();

        browser.findElement(By.id("token-input")).sendKeys("not-a-token");
        browser.findElement(By.id("sign-in-button")).click();
        waitUntil(d -> !text("#sign-in-error").isEmpty());
        assertThat(text("#sign-in-error")).contains("not accepted");
        assertThat(visible("#dashboard")).isFalse();

        browser.findElement(By.id("token-input")).sendKeys(AdminFixture.READ_TOKEN);
        browser.findElement(By.id("sign-in-button")).click();
        waitUntil(d -> visible("#dashboard") && rows() == 4);
        assertThat(text("#who")).contains("grafana").contains("read only");
        assertThat(sessionToken()).isEqualTo(AdminFixture.READ_TOKEN);

        browser.findElement(By.id("sign-out")).click();
        waitUntil(d -> visible("#sign-in"));
        assertThat(sessionToken()).as("signing out forgets the token").isNull();
        assertThat(visible("#dashboard")).isFalse();
    }

    @Test
    void aTokenInTheFragmentSignsInAndLeavesTheAddressBar() {
        browser.get(scenario.page(AdminFixture.WRITE_TOKEN));

        waitUntil(d -> visible("#dashboard") && rows() == 4);
        assertThat(browser.getCurrentUrl()).as("the token is removed from the address bar")
                .isEqualTo(scenario.origin() + "/ui/").doesNotContain(AdminFixture.WRITE_TOKEN);
        assertThat(text("#who")).contains("sre").contains("may change");
        assertThat(sessionToken()).isEqualTo(AdminFixture.WRITE_TOKEN);
        browser.navigate().back();
        assertThat(browser.getCurrentUrl()).as("the entry with the token was replaced, not kept in the history")
                .doesNotContain(AdminFixture.WRITE_TOKEN);
    }

    // ---- what it shows ----

    @Test
    void regionsAreShownWithTheirStatesAndTheRoutersShares() {
        scenario.drain();
        scenario.awaitDegraded();

        browser.get(scenario.page(AdminFixture.READ_TOKEN));
        waitUntil(d -> rows() == 4 && badge("us-east4").equals("Serving") && badge(StatusPageScenario.DEGRADED).equals("Degraded")
                && badge(StatusPageScenario.DRAINED).equals("Drained"));

        assertThat(badge("asia-northeast1")).isEqualTo("Serving");
        assertThat(cellText(StatusPageScenario.DEGRADED, "endpoints")).contains("1/2 available")
                .contains("127.0.0.1:" + scenario.deadPort).contains("probe down");
        assertThat(cellText(StatusPageScenario.DEGRADED, "state")).contains("1 of 2 endpoints available");
        assertThat(cellText(StatusPageScenario.DRAINED, "weight")).startsWith("0").contains("drained, keeps 100");
        assertThat(mapState(StatusPageScenario.DRAINED)).isEqualTo("drained");
        assertThat(mapState(StatusPageScenario.DEGRADED)).isEqualTo("degraded");
        assertThat(mapState("us-east4")).isEqualTo("serving");
        assertThat(text("#story")).contains(StatusPageScenario.DRAINED).contains("by sre").contains("CHG-7 maintenance window");
        assertThat(text("#activity")).contains("sre drained " + StatusPageScenario.DRAINED);
        assertThat(text("#fleet-status")).contains("applied revision 1");

        // The shares are the router's: the page shows what GET /admin/regions answers.
        waitUntil(d -> {
            JsonNode regions = scenario.admin.regions();
            for (JsonNode region : regions.path("regions")) {
                String expected = String.format(Locale.ROOT, "%.1f%%", region.path("share").asDouble() * 100);
                if (!cellText(region.path("name").asText(), "share").equals(expected)) {
                    return false;
                }
            }
            return true;
        });
        assertThat(cellText(StatusPageScenario.DRAINED, "share")).isEqualTo("0.0%");
    }

    @Test
    void trafficAndExplainAreShownUnderTheCspWithNoRequestToAnotherOriginAndNoConsoleError() {
        scenario.drain();
        scenario.awaitDegraded();
        scenario.sendCompletions(5);

        browser.get(scenario.page(AdminFixture.READ_TOKEN));
        waitUntil(d -> rows() == 4);
        // The traffic history closes an interval every 5 s.
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> !text("#traffic").isEmpty()
                && !cellText("asia-northeast1", "traffic").startsWith("0/s") && !cellText("asia-northeast1", "traffic").equals("–"));
        assertThat(browser.findElements(By.cssSelector("#traffic .traffic-card"))).hasSize(4);
        assertThat(browser.findElements(By.cssSelector("#traffic svg.chart rect.column"))).isNotEmpty();

        browser.findElement(By.id("explain-location")).sendKeys("35.68, 139.76");
        browser.findElement(By.id("explain-button")).click();
        waitUntil(d -> text("#explain-result").contains("goes to"));
        assertThat(text("#explain-result .answer")).contains("asia-northeast1");
        assertThat(text("#explain-result tr[data-region='" + StatusPageScenario.DRAINED + "'] .why")).startsWith("not available: drained");
        assertThat(browser.findElements(By.cssSelector("#map .client-mark"))).hasSize(1);

        List<String> urls = chromium.requestedUrls();
        assertThat(urls).as("the page, its assets and its API calls").isNotEmpty()
                .anyMatch(u -> u.endsWith("/admin/regions")).anyMatch(u -> u.contains("/admin/explain?"));
        assertThat(urls).as("every request stays on the admin origin")
                .allMatch(u -> u.startsWith(scenario.origin() + "/"));
        assertThat(chromium.responseHeaders(scenario.origin() + "/ui/"))
                .as("the page came with its Content-Security-Policy")
                .containsEntry("content-security-policy", StatusPage.CONTENT_SECURITY_POLICY)
                .containsEntry("x-frame-options", "DENY");
        assertThat(chromium.severeConsoleEntries()).as("console errors, CSP violations, failed loads").isEmpty();
    }

    @Test
    void theContentSecurityPolicyIsEnforcedAndAViolationReachesTheConsoleCheck() {
        browser.get(scenario.page(AdminFixture.READ_TOKEN));
        waitUntil(d -> rows() == 4);

        Object ran = browser.executeScript("const s = document.createElement('script');"
                + "s.textContent = 'window.injected = true;'; document.body.append(s);"
                + "return window.injected === true;");
        assertThat(ran).as("an inline script does not run").isEqualTo(false);
        waitUntil(d -> !chromium.severeConsoleEntries().isEmpty());
        assertThat(chromium.severeConsoleEntries()).as("what the other tests look for")
                .anyMatch(e -> e.contains("Content Security Policy"));
    }

    @Test
    void everyStateHasItsNameAndReasonForAnyRegionTheApiCanDescribe() {
        browser.get(scenario.page(null));
        waitUntil(d -> visible("#sign-in"));
        // The page's own classification, run in the page on regions as GET /admin/regions describes them.
        Object states = browser.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const module = document.querySelector('script[type=module]').src.replace('app.js', 'regions.js');
                const up = {endpoint: 'a:1', probe: 'up', available: true, ejected: false, ejectedForMs: 0};
                const down = {endpoint: 'b:2', probe: 'down', available: false, ejected: false, ejectedForMs: 0,
                  lastProbeProblem: 'connection refused'};
                const ejected = {endpoint: 'c:3', probe: 'up', available: false, ejected: true, ejectedForMs: 22000,
                  consecutiveFailures: 5};
                const base = {state: 'active', effectiveWeight: 100, available: true, breaker: 'closed', capacity: 1,
                  throttledForMs: 0, endpoints: [up, up]};
                import(module).then(({classify}) => done([
                  {...base},
                  {...base, endpoints: [up, ejected]},
                  {...base, capacity: 0.5, throttledForMs: 12000},
                  {...base, state: 'drained', effectiveWeight: 0, available: false},
                  {...base, effectiveWeight: 0, available: false},
                  {...base, available: false, endpoints: [down, ejected]},
                  {...base, available: false, breaker: 'open', failureRatePercent: 80},
                  {...base, dial: {percent: 40, baseline: 100, pinned: false, set_by: 'slo-controller'}},
                  {...base, dial: {percent: 100, baseline: 100, pinned: true, set_by: 'sre'}},
                ].map((r) => `${classify(r).state.label}: ${classify(r).reasons.join('; ')}`)));
                """);
        assertThat(states).asInstanceOf(InstanceOfAssertFactories.list(String.class)).containsExactly(
                "Serving: ",
                "Degraded: 1 of 2 endpoints available: it keeps part of its traffic, the rest spills to the next region; "
                        + "c:3: ejected for 22 s more (outlier detection, 5 failures in a row)",
                "Degraded: throttled by 429s: 50% of its share for 12 s more",
                "Drained: drained through the admin API: no new requests, requests in flight finish",
                "Drained: weight 0: no new requests (a weight override drains it)",
                "Unavailable: none of its 2 endpoints can take requests; b:2: probe down: connection refused; "
                        + "c:3: ejected for 22 s more (outlier detection, 5 failures in a row)",
                "Breaker open: circuit breaker open (80% failures): the region as a whole is failing",
                "Degraded: dial at 40%: keeps 40% of its traffic, the rest spills to the next region "
                        + "(by slo-controller; the SRE left 100%)",
                "Serving: ");
    }

    // ---- acting ----

    @Test
    void aDrainMadeInThePageReachesTheRouter() {
        browser.get(scenario.page(AdminFixture.WRITE_TOKEN));
        waitUntil(d -> rows() == 4 && badge("asia-northeast1").equals("Serving"));

        row("asia-northeast1").findElement(By.cssSelector("button[data-action='drain']")).click();
        waitUntil(d -> visible("#action-dialog") && browser.findElement(By.id("action-confirm")).isEnabled());
        assertThat(text("#action-preview")).as("the dry run's projected shares").contains("Now").contains("After")
                .contains("asia-northeast1");
        browser.findElement(By.id("action-reason")).sendKeys("CHG-9 kernel upgrade");
        browser.findElement(By.id("action-confirm")).click();

        waitUntil(d -> !visible("#action-dialog"));
        JsonNode region = AdminFixture.region(scenario.admin.regions(), "asia-northeast1");
        assertThat(region.path("state").asText()).isEqualTo("drained");
        assertThat(scenario.admin.regions().path("revision").asLong()).isEqualTo(1);
        waitUntil(d -> badge("asia-northeast1").equals("Drained"));
        assertThat(text("#banners")).contains("asia-northeast1 drained (revision 1)");
        waitUntil(d -> text("#activity").contains("sre drained asia-northeast1"));
        assertThat(text("#activity")).contains("CHG-9 kernel upgrade");

        row("asia-northeast1").findElement(By.cssSelector("button[data-action='undrain']")).click();
        waitUntil(d -> visible("#action-dialog") && browser.findElement(By.id("action-confirm")).isEnabled());
        browser.findElement(By.id("action-confirm")).click();
        waitUntil(d -> !visible("#action-dialog"));
        assertThat(AdminFixture.region(scenario.admin.regions(), "asia-northeast1").path("state").asText()).isEqualTo("active");
    }

    @Test
    void aWeightIsPreviewedThenAppliedWithTheRevisionShown() {
        browser.get(scenario.page(AdminFixture.WRITE_TOKEN));
        waitUntil(d -> rows() == 4);

        row("us-east4").findElement(By.cssSelector("button[data-action='weight']")).click();
        waitUntil(d -> visible("#action-dialog"));
        assertThat(browser.findElement(By.id("action-confirm")).isEnabled()).as("not before a preview").isFalse();
        WebElement weight = browser.findElement(By.id("action-weight"));
        weight.clear();
        weight.sendKeys("40");
        browser.findElement(By.id("action-preview-button")).click();
        waitUntil(d -> browser.findElement(By.id("action-confirm")).isEnabled());
        assertThat(text("#action-preview")).contains("dry run at revision 0");
        browser.findElement(By.id("action-confirm")).click();

        waitUntil(d -> !visible("#action-dialog"));
        JsonNode region = AdminFixture.region(scenario.admin.regions(), "us-east4");
        assertThat(region.path("weightOverride").asInt()).isEqualTo(40);
        waitUntil(d -> cellText("us-east4", "weight").startsWith("40"));
        assertThat(cellText("us-east4", "weight")).contains("override; configured 100");
    }

    @Test
    void aDialIsShownAndTurnedInThePageWithAPreviewAndTheRevisionShown() {
        RegionDials dials = scenario.admin.admin.dials();
        dials.turnDial("us-east4", 60, RegionDials.SLO_CONTROLLER, java.util.Map.of("burnRate5m", 20.0)).join();
        browser.get(scenario.page(AdminFixture.WRITE_TOKEN));
        waitUntil(d -> rows() == 4 && cellText("us-east4", "dial").startsWith("60%"));

        assertThat(cellText("us-east4", "dial")).contains("by slo-controller; the SRE left 100%");
        assertThat(cellText("asia-northeast1", "dial")).as("nobody turned it").isEqualTo("100%");
        assertThat(badge("us-east4")).isEqualTo("Degraded");
        assertThat(cellText("us-east4", "state")).contains("dial 60%");
        assertThat(text("#activity")).contains("slo-controller turned the dial of us-east4 from 100% to 60%");
        assertThat(row("us-east4").findElements(By.cssSelector("button[data-action='unpin']"))).as("not pinned").isEmpty();

        row("us-east4").findElement(By.cssSelector("button[data-action='dial']")).click();
        waitUntil(d -> visible("#action-dialog"));
        assertThat(browser.findElement(By.id("action-confirm")).isEnabled()).as("not before a preview").isFalse();
        assertThat(browser.findElement(By.id("action-pinned")).isSelected()).as("an SRE's dial pins by default").isTrue();
        WebElement percent = browser.findElement(By.id("action-dial"));
        percent.clear();
        percent.sendKeys("150");
        browser.findElement(By.id("action-preview-button")).click();
        waitUntil(d -> text("#action-message").contains("Dial: a whole number from 0 to 100."));
        percent.clear();
        percent.sendKeys("30");
        browser.findElement(By.id("action-preview-button")).click();
        waitUntil(d -> browser.findElement(By.id("action-confirm")).isEnabled());
        assertThat(text("#action-preview")).contains("dry run at revision 1").contains("us-east4");
        assertThat(browser.findElement(By.id("action-confirm")).getText()).isEqualTo("Set dial to 30%");
        browser.findElement(By.id("action-reason")).sendKeys("INC-12 provider degraded");
        browser.findElement(By.id("action-confirm")).click();

        waitUntil(d -> !visible("#action-dialog"));
        assertThat(AdminFixture.region(scenario.admin.regions(), "us-east4").path("dial").toString())
                .isEqualTo("{\"percent\":30,\"baseline\":30,\"pinned\":true,\"set_by\":\"sre\"}");
        assertThat(scenario.admin.regions().path("revision").asLong()).isEqualTo(2);
        waitUntil(d -> cellText("us-east4", "dial").equals("30% pinned by sre"));
        assertThat(text("#banners")).contains("Dial of us-east4 set to 30%, pinned (revision 2)");
        waitUntil(d -> text("#activity").contains("sre turned the dial of us-east4 from 60% to 30% (pinned)"));

        row("us-east4").findElement(By.cssSelector("button[data-action='unpin']")).click();
        waitUntil(d -> visible("#action-dialog") && browser.findElement(By.id("action-confirm")).isEnabled());
        // Someone else, elsewhere: revision 2 -> 3. The page's If-Match carries 2.
        assertThat(scenario.admin.write("PUT", "/admin/regions/us-east4/dial", "{\"percent\": 20}").statusCode()).isEqualTo(200);
        browser.findElement(By.id("action-confirm")).click();
        waitUntil(d -> text("#action-message").contains("Someone else changed it."));
        assertThat(AdminFixture.region(scenario.admin.regions(), "us-east4").path("dial").path("pinned").asBoolean())
                .as("the unpin was refused").isTrue();
        waitUntil(d -> text("#action-message").contains("dial 20% (pinned)"));
        browser.findElement(By.id("action-review")).click();
        waitUntil(d -> visible("#action-dialog") && text("#action-dialog").contains("Based on revision 3")
                && browser.findElement(By.id("action-confirm")).isEnabled());
        browser.findElement(By.id("action-confirm")).click();
        waitUntil(d -> !visible("#action-dialog"));
        assertThat(AdminFixture.region(scenario.admin.regions(), "us-east4").path("dial").toString())
                .isEqualTo("{\"percent\":20,\"baseline\":20,\"pinned\":false,\"set_by\":\"sre\"}");
        waitUntil(d -> cellText("us-east4", "dial").equals("20% by sre"));
        assertThat(chromium.severeConsoleEntries()).as("no console error but the browser's note of the refused unpin")
                .allMatch(e -> e.contains("/admin/regions/us-east4/dial") && e.contains("412"));
    }

    @Test
    void whenTheRevisionMovedBehindThePagesBackItSaysSomeoneElseChangedItAndChangesNothing() {
        browser.get(scenario.page(AdminFixture.WRITE_TOKEN));
        waitUntil(d -> rows() == 4);

        row(StatusPageScenario.DRAINED).findElement(By.cssSelector("button[data-action='drain']")).click();
        waitUntil(d -> browser.findElement(By.id("action-confirm")).isEnabled());
        // Someone else, elsewhere: revision 0 -> 1.
        HttpResponse<String> other = scenario.admin.write("PUT", "/admin/regions/us-east4/weight", "{\"weight\": 7}");
        assertThat(other.statusCode()).isEqualTo(200);
        browser.findElement(By.id("action-confirm")).click();

        waitUntil(d -> text("#action-message").contains("Someone else changed it."));
        waitUntil(d -> text("#action-message").contains(StatusPageScenario.DRAINED + " is now active"));
        assertThat(text("#action-message")).contains("you saw revision 0; it is now 1").contains("Nothing was changed");
        assertThat(visible("#action-dialog")).isTrue();
        assertThat(AdminFixture.region(scenario.admin.regions(), StatusPageScenario.DRAINED).path("state").asText())
                .as("the drain was refused").isEqualTo("active");
        assertThat(scenario.admin.regions().path("revision").asLong()).isEqualTo(1);
        waitUntil(d -> cellText("us-east4", "weight").startsWith("7"));

        browser.findElement(By.id("action-review")).click(); // again, on the new state
        waitUntil(d -> visible("#action-dialog") && text("#action-dialog").contains("Based on revision 1")
                && browser.findElement(By.id("action-confirm")).isEnabled());
        browser.findElement(By.id("action-confirm")).click();
        waitUntil(d -> !visible("#action-dialog"));
        assertThat(AdminFixture.region(scenario.admin.regions(), StatusPageScenario.DRAINED).path("state").asText()).isEqualTo("drained");
    }

    @Test
    void aReadTokenSeesNoWriteControls() {
        browser.get(scenario.page(AdminFixture.READ_TOKEN));
        waitUntil(d -> rows() == 4);

        assertThat(browser.findElements(By.cssSelector("button[data-action]"))).isEmpty();
        assertThat(browser.findElements(By.cssSelector("#regions th.write-only")).get(0).isDisplayed())
                .as("no Actions column").isFalse();
        assertThat(text("#who")).contains("read only");
    }

    @Test
    void aNarrowWindowScrollsTheTableNotThePage() {
        scenario.drain();
        browser.manage().window().setSize(new Dimension(420, 900));
        browser.get(scenario.page(AdminFixture.WRITE_TOKEN));
        waitUntil(d -> rows() == 4);

        Object overflow = browser.executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertThat(((Number) overflow).intValue()).as("no horizontal scrolling of the page").isLessThanOrEqualTo(0);
        assertThat(browser.findElement(By.id("map")).getSize().getWidth()).isLessThanOrEqualTo(420);
    }

    /**
     * The screenshot of the docs: a drained and a degraded region under some traffic, at
     * 1400×900. Always written to {@code target/status-page.png}; with
     * {@code -Dmeridian.screenshot=src/docs/img/status-page.png} (relative to the repository)
     * it runs 75 s of traffic first, so that the charts have a history and the last minute no warm-up, and writes there.
     */
    @Test
    void screenshotWithADrainedAndADegradedRegion() throws Exception {
        String target = System.getProperty("meridian.screenshot");
        scenario.close();
        scenario = StatusPageScenario.start(dir.resolve("screenshot"), 0.03);
        scenario.drain();
        scenario.awaitDegraded();
        scenario.startTraffic(24);
        if (target != null) {
            // The docs' picture: 75 s of traffic give the charts a history and the last minute no warm-up.
            Thread.sleep(75_000);
        }

        browser.get(scenario.page(AdminFixture.WRITE_TOKEN));
        waitUntil(d -> rows() == 4 && badge(StatusPageScenario.DEGRADED).equals("Degraded")
                && badge(StatusPageScenario.DRAINED).equals("Drained"));
        waitUntil(d -> browser.findElements(By.cssSelector("#traffic .traffic-card")).size() == 4);
        Path file = chromium.screenshot(Path.of("target", "status-page.png"));
        assertThat(file).isNotEmptyFile();
        if (target != null) {
            Path out = Path.of(target).isAbsolute() ? Path.of(target) : Path.of("..").resolve(target);
            chromium.screenshot(out.normalize());
        }
        // And the whole page, for reviewing what is below the fold.
        long height = (Long) browser.executeScript("return document.documentElement.scrollHeight;");
        browser.manage().window().setSize(new Dimension(1400, (int) height + 140));
        chromium.screenshot(Path.of("target", "status-page-full.png"));
    }

    // ---- helpers ----

    /**
     * Waits up to 10 s for {@code condition}; when it does not come, keeps what the page looked
     * like ({@code target/status-page-failure-N.png}) and its console in the failure.
     */
    private void waitUntil(java.util.function.Function<WebDriver, Boolean> condition) {
        try {
            new WebDriverWait(browser, Duration.ofSeconds(10), Duration.ofMillis(100)).until(condition);
        } catch (TimeoutException e) {
            Path shot = chromium.screenshot(Path.of("target", "status-page-failure-" + System.nanoTime() + ".png"));
            throw new AssertionError("the page did not get there; it looks like " + shot.toAbsolutePath()
                    + "; its console: " + chromium.severeConsoleEntries() + "; its text: " + text("body"), e);
        }
    }

    private boolean visible(String css) {
        List<WebElement> found = browser.findElements(By.cssSelector(css));
        return !found.isEmpty() && found.get(0).isDisplayed();
    }

    private String text(String css) {
        List<WebElement> found = browser.findElements(By.cssSelector(css));
        return found.isEmpty() ? "" : found.get(0).getText();
    }

    private int rows() {
        return browser.findElements(By.cssSelector("#regions-body tr")).size();
    }

    private WebElement row(String region) {
        return browser.findElement(By.cssSelector("#regions-body tr[data-region='" + region + "']"));
    }

    private String cellText(String region, String column) {
        List<WebElement> found = browser.findElements(By.cssSelector(
                "#regions-body tr[data-region='" + region + "'] [data-col='" + column + "']"));
        return found.isEmpty() ? "" : found.get(0).getText().replace('\n', ' ').strip();
    }

    private String badge(String region) {
        List<WebElement> found = browser.findElements(By.cssSelector(
                "#regions-body tr[data-region='" + region + "'] [data-col='state'] .badge"));
        return found.isEmpty() ? "" : found.get(0).getText();
    }

    private String mapState(String region) {
        String classes = browser.findElement(By.cssSelector("#map g.region[data-region='" + region + "']")).getAttribute("class");
        for (String c : classes.split(" ")) {
            if (c.startsWith("state-")) {
                return c.substring("state-".length());
            }
        }
        return "";
    }

    private String sessionToken() {
        return (String) browser.executeScript("return sessionStorage.getItem('meridian.admin.token');");
    }
}
