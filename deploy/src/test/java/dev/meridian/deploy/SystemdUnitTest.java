package dev.meridian.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.testing.ExternalProgram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code src/deploy/systemd/meridian.service}: systemd accepts it ({@code systemd-analyze verify},
 * which reports unknown keys and bad values as warnings, so any output fails), its sandboxing
 * scores as systemd's own audit says ({@code systemd-analyze security}), and the directives that
 * make Meridian a well-behaved service are there: its own user, read-only system, one capability,
 * reload on SIGHUP, a stop timeout that covers the drain.
 */
class SystemdUnitTest {

    private static final Path MODULE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path UNIT = MODULE.resolve("../src/deploy/systemd/meridian.service").normalize();
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    @Test
    void systemdAcceptsTheUnitWithoutAWarning() throws IOException {
        ExternalProgram analyze = ExternalProgram.require("systemd-analyze", "install Debian's systemd");

        ExternalProgram.Result result = analyze.run(TOOL_TIMEOUT, "verify", "--man=no", stagedUnit().toString());

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.output()).as("unknown keys and bad values are only warnings: %s", result.describe()).isBlank();
    }

    @Test
    void systemdRatesTheSandboxingAtMostTwoOutOfTen() throws IOException {
        ExternalProgram analyze = ExternalProgram.require("systemd-analyze", "install Debian's systemd");

        // --threshold is in tenths: exit status non-zero when the exposure level is above 2.0 ("OK").
        ExternalProgram.Result result = analyze.run(TOOL_TIMEOUT, "security", "--offline=true", "--no-pager",
                "--threshold=20", stagedUnit().toString());

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.output()).contains("Overall exposure level for meridian.service");
    }

    @Test
    void theServiceRunsAsItsOwnUserWithOneCapabilityAndNothingWritableButItsState() throws IOException {
        Map<String, List<String>> service = section(Files.readString(UNIT), "Service");

        // Each key with exactly this one value, written as the unit writes it.
        assertThat(service).containsAllEntriesOf(section("""
                [Service]
                User=meridian
                Group=meridian
                NoNewPrivileges=yes
                AmbientCapabilities=CAP_NET_BIND_SERVICE
                CapabilityBoundingSet=CAP_NET_BIND_SERVICE
                ProtectSystem=strict
                ProtectHome=yes
                PrivateTmp=yes
                StateDirectory=meridian
                LogsDirectory=meridian
                ReadWritePaths=/var/lib/meridian /var/log/meridian
                LimitNOFILE=1048576
                EnvironmentFile=/etc/meridian/meridian.env
                """, "Service"));
        assertThat(service).as("the JIT compiler writes executable code").doesNotContainKey("MemoryDenyWriteExecute");
    }

    @Test
    void reloadIsSighupAndStopIsADrainThatTheStopTimeoutCovers() throws IOException {
        Map<String, List<String>> service = section(Files.readString(UNIT), "Service");

        assertThat(service).containsAllEntriesOf(section("""
                [Service]
                ExecStart=/usr/bin/meridian run --config /etc/meridian/meridian.yaml
                ExecReload=/bin/kill -HUP $MAINPID
                KillSignal=SIGTERM
                """, "Service"));
        Duration grace = ConfigLoader.create()
                .withEnvironment(Map.of("MERIDIAN_ADMIN_TOKEN", "unit-test-admin-0123456789", "MERIDIAN_METRICS_TOKEN", "unit-test-metrics-0123456789"))
                .load(MODULE.resolve("target/deb/meridian.yaml"))
                .server().shutdownGrace();
        Duration stopTimeout = seconds(service.get("TimeoutStopSec").get(0));
        assertThat(stopTimeout).as("TimeoutStopSec leaves the packaged configuration's %s drain (and 10 s for the admin API and the JVM)", grace)
                .isGreaterThanOrEqualTo(grace.plusSeconds(10));
    }

    /** The unit with its ExecStart pointed at a stub, since verify wants the program to exist. */
    private Path stagedUnit() throws IOException {
        Path stub = dir.resolve("meridian");
        Files.writeString(stub, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path unit = dir.resolve("meridian.service");
        Files.writeString(unit, Files.readString(UNIT).replace("/usr/bin/meridian", stub.toString()));
        return unit;
    }

    /** The keys of {@code [name]}, each with its values in order (a key may repeat). */
    static Map<String, List<String>> section(String unit, String name) {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        String current = "";
        for (String raw : unit.lines().toList()) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                current = line.substring(1, line.length() - 1);
                continue;
            }
            int eq = line.indexOf('=');
            if (current.equals(name) && eq > 0) {
                keys.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>()).add(line.substring(eq + 1).strip());
            }
        }
        return keys;
    }

    private static Duration seconds(String value) {
        Matcher m = Pattern.compile("(\\d+)s?").matcher(value);
        assertThat(m.matches()).as("a time span in seconds: %s", value).isTrue();
        return Duration.ofSeconds(Long.parseLong(m.group(1)));
    }
}
