package dev.meridian.loadtest.scenario;

import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.router.MeridianServer;
import dev.meridian.router.admin.AdminServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meridian scenario fleet-lag --etcd URL,…}: three routers in one fleet (this JVM, one etcd
 * prefix of their own); {@code --changes} weight changes are written one after another through the
 * first instance's admin API while the two others watch. For each change it measures the write (the
 * admin call, which reads the state and commits a transaction) and the apply lag: from the moment
 * the call was sent to the moment each other instance runs with the new revision.
 *
 * <pre>{@code
 * loadtest/bench/fleet-lag.sh --changes 1000          # starts a 3-member etcd on loopback, runs this
 * meridian scenario fleet-lag --etcd http://127.0.0.1:2379 --changes 1000 --out results/
 * }</pre>
 */
@Command(name = "fleet-lag", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Writes admin changes through one fleet instance and measures how fast two others apply them (needs etcd)."})
final class FleetLagScenario implements Callable<Integer> {

    private static final Pattern REVISION = Pattern.compile("\"revision\"\\s*:\\s*(\\d+)");
    private static final Duration APPLY_BOUND = Duration.ofSeconds(10);

    @Option(names = "--etcd", paramLabel = "URL", split = ",", required = true,
            description = "Client URLs of the etcd cluster's members, comma-separated.")
    List<URI> etcd = new ArrayList<>();

    @Option(names = "--changes", paramLabel = "N", defaultValue = "1000", description = "Changes to write (default: ${DEFAULT-VALUE}).")
    int changes = 1000;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "results", description = "Where fleet-lag.md goes (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("results");

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("meridian-fleet-lag");
        String prefix = "/meridian/bench-" + Instant.now().toEpochMilli() + "/";
        List<MeridianServer> routers = new ArrayList<>();
        List<AdminServer> admins = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Path home = Files.createDirectories(dir.resolve("instance-" + i));
                Path config = home.resolve("meridian.yaml");
                Files.writeString(config, config(prefix));
                MeridianServer router = MeridianServer.start(ConfigLoader.create().load(config));
                routers.add(router);
                admins.add(AdminServer.start(router, config));
            }
            HttpClient http = HttpClient.newHttpClient();
            Histogram write = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
            Histogram lag = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
            int failed = 0;
            for (int i = 0; i < changes; i++) {
                long sent = System.nanoTime();
                HttpResponse<String> response = Testbed.putWeight(http, URI.create("http://127.0.0.1:" + admins.get(0).address().getPort()),
                        TOKEN, "us-east4", 1 + i % 1000);
                long answered = System.nanoTime();
                Matcher m = REVISION.matcher(response.body());
                if (response.statusCode() != 200 || !m.find()) {
                    failed++;
                    continue;
                }
                write.recordValue(TimeUnit.NANOSECONDS.toMicros(answered - sent));
                long revision = Long.parseLong(m.group(1));
                for (AdminServer watcher : admins.subList(1, admins.size())) {
                    long deadline = answered + APPLY_BOUND.toNanos();
                    while (watcher.revision() < revision && System.nanoTime() < deadline) {
                        LockSupport.parkNanos(20_000); // 20 µs: the measurement's resolution
                    }
                    if (watcher.revision() < revision) {
                        failed++;
                    } else {
                        lag.recordValue(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - sent));
                    }
                }
                if ((i + 1) % 100 == 0) {
                    System.err.printf(Locale.ROOT, "fleet-lag: %d/%d changes, apply lag p50 %.1f ms p99 %.1f ms%n", i + 1, changes,
                            lag.getValueAtPercentile(50) / 1000.0, lag.getValueAtPercentile(99) / 1000.0);
                }
            }
            String report = report(write, lag, failed);
            Files.createDirectories(out);
            Files.writeString(out.resolve("fleet-lag.md"), report, StandardCharsets.UTF_8);
            System.out.print(report);
            return failed == 0 ? 0 : 1;
        } finally {
            admins.forEach(AdminServer::close);
            routers.forEach(MeridianServer::close);
        }
    }

    private static final String TOKEN = "fleet-lag-bench-token-0123456789";

    private String config(String prefix) {
        StringBuilder endpoints = new StringBuilder();
        for (URI u : etcd) {
            endpoints.append(endpoints.length() == 0 ? "" : ", ").append('"').append(u).append('"');
        }
        return "listen: {address: 127.0.0.1, port: 0}\n"
                + "health: {probe: {enabled: false}}\n"
                + "access-log: {enabled: false}\n"
                + "admin:\n"
                + "  address: 127.0.0.1\n"
                + "  port: 0\n"
                + "  tokens: [{name: bench, token: " + TOKEN + ", scope: write}]\n"
                + "fleet: {etcd: {endpoints: [" + endpoints + "], prefix: " + prefix + "}}\n"
                + "regions:\n"
                + "  - {name: us-east4, location: {lat: 39.04, lon: -77.49}, endpoints: [\"http://127.0.0.1:9\"]}\n"
                + "  - {name: europe-west2, location: {lat: 51.51, lon: -0.13}, endpoints: [\"http://127.0.0.1:19\"]}\n";
    }

    private String report(Histogram write, Histogram lag, int failed) throws IOException {
        return String.format(Locale.ROOT, """
                # fleet-lag

                %d weight changes written one after another through instance 1's admin API; instances 2 and 3
                watch the same prefix. etcd: %s. Apply lag is measured from the moment the admin call was sent
                to the moment the other instance runs with the new revision (so it includes the write itself).

                | | p50 | p90 | p99 | max |
                |---|---:|---:|---:|---:|
                | write (admin call, read + transaction) | %.1f ms | %.1f ms | %.1f ms | %.1f ms |
                | apply lag on the other instances (%d samples) | %.1f ms | %.1f ms | %.1f ms | %.1f ms |

                Failed writes or changes not applied within %d s: %d.
                """, changes, etcd, ms(write, 50), ms(write, 90), ms(write, 99), write.getMaxValue() / 1000.0,
                lag.getTotalCount(), ms(lag, 50), ms(lag, 90), ms(lag, 99), lag.getMaxValue() / 1000.0,
                APPLY_BOUND.toSeconds(), failed);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }
}
