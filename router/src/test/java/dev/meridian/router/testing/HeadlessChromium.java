package dev.meridian.router.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meridian.testing.ExternalProgram;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver: the browser of the status
 * page's tests. Both programs come from the system ({@code chromium} and {@code chromium-driver},
 * which {@code .ci/run} installs), found on {@code PATH} through {@link ExternalProgram}: missing,
 * the test is skipped with the reason outside CI and fails under {@code CI=true}. Their paths are
 * given to Selenium explicitly, so Selenium Manager never tries to download a driver or a browser.
 *
 * <p>Each instance has a fresh profile in a temporary directory (removed on {@link #close}),
 * and records the browser's console and its network log (Chrome's performance log), so that a
 * test can check that the page logged no error and asked nothing of another origin.
 *
 * <pre>{@code
 * try (HeadlessChromium chromium = HeadlessChromium.start(1400, 900)) {
 *     chromium.driver().get("http://127.0.0.1:9901/ui/");
 *     assertThat(chromium.severeConsoleEntries()).isEmpty();
 * }
 * }</pre>
 */
public final class HeadlessChromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INSTALL = "install Debian's chromium and chromium-driver; .ci/run does";

    private final ChromeDriver driver;
    private final ChromeDriverService service;
    private final Path profile;
    /** Performance log entries read so far (reading the log empties it in the browser). */
    private final List<LogEntry> performance = new ArrayList<>();
    private final List<LogEntry> console = new ArrayList<>();

    private HeadlessChromium(ChromeDriver driver, ChromeDriverService service, Path profile) {
        this.driver = driver;
        this.service = service;
        this.profile = profile;
    }

    /** Starts the browser with a window (viewport) of {@code width} × {@code height} CSS pixels. */
    public static HeadlessChromium start(int width, int height) {
        ExternalProgram chromium = ExternalProgram.require("chromium", INSTALL);
        ExternalProgram chromedriver = ExternalProgram.require("chromedriver", INSTALL);
        Path profile;
        try {
            profile = Files.createTempDirectory("meridian-chromium");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.path().toFile());
        options.addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
                "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=en-US",
                "--window-size=" + width + "," + height,
                "--user-data-dir=" + profile);
        // The network log (Network.requestWillBeSent events) and the console.
        options.setCapability("goog:loggingPrefs", Map.of(LogType.PERFORMANCE, "ALL", LogType.BROWSER, "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.path().toFile())
                .usingAnyFreePort()
                .withLogFile(Path.of("target", "chromedriver.log").toFile())
                .build();
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            service.stop();
            deleteQuietly(profile);
            throw e;
        }
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
        // --window-size sets the outer window; make the viewport itself width x height.
        Object inner = driver.executeScript("return [window.innerWidth, window.innerHeight];");
        if (inner instanceof List<?> size && size.size() == 2) {
            int dw = width - ((Number) size.get(0)).intValue();
            int dh = height - ((Number) size.get(1)).intValue();
            if (dw != 0 || dh != 0) {
                driver.manage().window().setSize(new Dimension(width + dw, height + dh));
            }
        }
        return new HeadlessChromium(driver, service, profile);
    }

    public ChromeDriver driver() {
        return driver;
    }

    /** Forgets the network log and console so far: what a test looks at starts now. */
    public void forgetLogs() {
        driver.manage().logs().get(LogType.PERFORMANCE);
        driver.manage().logs().get(LogType.BROWSER);
        performance.clear();
        console.clear();
    }

    /** Every URL the browser has requested (documents, scripts, styles, images, fetches) since the start or {@link #forgetLogs}. */
    public List<String> requestedUrls() {
        performance.addAll(driver.manage().logs().get(LogType.PERFORMANCE).getAll());
        List<String> urls = new ArrayList<>();
        for (LogEntry entry : performance) {
            try {
                JsonNode message = JSON.readTree(entry.getMessage()).path("message");
                if (message.path("method").asText().equals("Network.requestWillBeSent")) {
                    urls.add(message.path("params").path("request").path("url").asText());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + entry.getMessage(), e);
            }
        }
        return urls;
    }

    /**
     * The response headers (names in lower case) the browser received for {@code url}, the last
     * time it loaded it since the start or {@link #forgetLogs}; empty when it did not.
     */
    public Map<String, String> responseHeaders(String url) {
        requestedUrls(); // reads the log
        Map<String, String> headers = Map.of();
        for (LogEntry entry : performance) {
            try {
                JsonNode message = JSON.readTree(entry.getMessage()).path("message");
                JsonNode response = message.path("params").path("response");
                if (message.path("method").asText().equals("Network.responseReceived") && response.path("url").asText().equals(url)) {
                    Map<String, String> found = new TreeMap<>();
                    response.path("headers").properties().forEach(h -> found.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue().asText()));
                    headers = found;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + entry.getMessage(), e);
            }
        }
        return headers;
    }

    /** The console's errors (and failed loads) since the start or {@link #forgetLogs}. */
    public List<String> severeConsoleEntries() {
        console.addAll(driver.manage().logs().get(LogType.BROWSER).getAll());
        return console.stream().filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(e -> e.getLevel() + " " + e.getMessage()).toList();
    }

    /** A PNG of the viewport, written to {@code file}. */
    public Path screenshot(Path file) {
        Path shot = driver.getScreenshotAs(OutputType.FILE).toPath();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.copy(shot, file, StandardCopyOption.REPLACE_EXISTING);
            Files.deleteIfExists(shot);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            deleteQuietly(profile);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A profile left in the temporary directory is harmless.
        }
    }
}
