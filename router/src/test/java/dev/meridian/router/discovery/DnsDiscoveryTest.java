package dev.meridian.router.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.meridian.config.DnsConfig;
import dev.meridian.config.LookupFamily;
import dev.meridian.router.testing.Dnsmasq;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** {@link DnsDiscovery} against a real DNS server (dnsmasq): answers, changes, empty answers and failures. */
class DnsDiscoveryTest {

    private static final Duration BOUND = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private Dnsmasq dns;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AtomicInteger changes = new AtomicInteger();
    private DnsDiscovery discovery;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void start() throws IOException {
        dns = Dnsmasq.start(dir);
        Files.writeString(dir.resolve("resolv.conf"), "# none\n");
        discovery = DnsDiscovery.create(meters, changes::incrementAndGet, dir.resolve("resolv.conf"));
        logs.start();
        ((Logger) LoggerFactory.getLogger(DnsDiscovery.class)).addAppender(logs);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(DnsDiscovery.class)).detachAppender(logs);
        discovery.close();
        dns.close();
    }

    private DnsConfig config() {
        return DnsConfig.ofDefaults().withServers(List.of(new InetSocketAddress("127.0.0.1", dns.port())));
    }

    private DnsConfig config(LookupFamily family, Duration queryTimeout, InetSocketAddress... servers) {
        DnsConfig d = config();
        return new DnsConfig(servers.length == 0 ? d.servers() : List.of(servers), d.minRefresh(), d.maxRefresh(),
                queryTimeout, family);
    }

    private void follow(DnsConfig config, String... hosts) {
        Map<String, Set<String>> byHost = new java.util.TreeMap<>();
        for (String host : hosts) {
            byHost.put(host, Set.of("east"));
        }
        discovery.update(config, byHost);
    }

    private NameStatus status(String host) {
        return discovery.names().get(host);
    }

    private static List<String> text(List<InetAddress> addresses) {
        return addresses.stream().map(InetAddress::getHostAddress).toList();
    }

    private double count(String result) {
        return meters.get("meridian.dns.resolutions").tags("region", "east", "result", result).functionCounter().count();
    }

    private List<String> warnings() {
        return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void everyAddressOfTheAnswerIsUsedSortedWithItsTtl() {
        dns.set("gw.test", "127.0.0.3", "127.0.0.2");
        follow(config(), "gw.test");

        assertThat(discovery.awaitAnswers(BOUND)).isTrue();

        NameStatus status = status("gw.test");
        assertThat(status.state()).isEqualTo(NameStatus.State.RESOLVED);
        assertThat(text(status.addresses())).containsExactly("127.0.0.2", "127.0.0.3");
        assertThat(text(discovery.of("gw.test"))).containsExactly("127.0.0.2", "127.0.0.3");
        assertThat(status.ttlSeconds()).isEqualTo(1);
        assertThat(status.resolvedAt()).isNotNull();
        assertThat(status.regions()).containsExactly("east");
        assertThat(meters.get("meridian.dns.addresses").tag("region", "east").gauge().value()).isEqualTo(2);
        assertThat(count("success")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aChangedAnswerIsFollowedWithinTheRefreshAndAnnounced() {
        dns.set("gw.test", "127.0.0.2");
        follow(config(), "gw.test");
        discovery.awaitAnswers(BOUND);
        int before = changes.get();

        dns.set("gw.test", "127.0.0.4", "127.0.0.2");

        await().atMost(Duration.ofSeconds(5)).until(() -> text(discovery.of("gw.test")).equals(List.of("127.0.0.2", "127.0.0.4")));
        assertThat(changes.get()).isGreaterThan(before);
        int after = changes.get();
        await().pollDelay(Duration.ofMillis(2500)).atMost(BOUND).until(() -> count("success") >= 3);
        assertThat(changes.get()).as("the same answer again is no change").isEqualTo(after);
    }

    @Test
    void nxdomainEmptiesTheNameOnceTheLastAnswersTtlHasRunOut() {
        dns.set("gw.test", "127.0.0.2");
        follow(config(), "gw.test");
        discovery.awaitAnswers(BOUND);

        dns.remove("gw.test");

        await().atMost(Duration.ofSeconds(5)).until(() -> discovery.of("gw.test").isEmpty());
        NameStatus status = status("gw.test");
        assertThat(status.state()).isEqualTo(NameStatus.State.EMPTY);
        assertThat(status.problem()).startsWith("NXDOMAIN for gw.test");
        assertThat(count("empty")).isGreaterThanOrEqualTo(1);
        assertThat(warnings()).anyMatch(w -> w.startsWith("DNS: gw.test (region east) answers no address (NXDOMAIN"));

        dns.set("gw.test", "127.0.0.5");
        await().atMost(Duration.ofSeconds(10)).until(() -> text(discovery.of("gw.test")).equals(List.of("127.0.0.5")));
    }

    @Test
    void aStoppedServerKeepsTheLastAnswerLogsOnceAndCountsTheFailures() {
        dns.set("gw.test", "127.0.0.2", "127.0.0.3");
        follow(config(LookupFamily.V4_PREFERRED, Duration.ofMillis(300)), "gw.test");
        discovery.awaitAnswers(BOUND);
        int before = changes.get();

        dns.stop();

        await().atMost(BOUND).until(() -> status("gw.test").failures() >= 3);
        NameStatus status = status("gw.test");
        assertThat(status.state()).isEqualTo(NameStatus.State.FAILING);
        assertThat(text(status.addresses())).as("kept").containsExactly("127.0.0.2", "127.0.0.3");
        assertThat(status.problem()).startsWith("no answer within 300 ms from 127.0.0.1:" + dns.port());
        assertThat(changes.get()).isEqualTo(before);
        assertThat(count("failure")).isGreaterThanOrEqualTo(3);
        assertThat(warnings()).filteredOn(w -> w.contains("cannot resolve gw.test")).as("logged once, not per failure")
                .hasSize(1).first().asString().contains("keeping its last answer [127.0.0.2, 127.0.0.3]");

        dns.restart();

        await().atMost(Duration.ofSeconds(20)).until(() -> status("gw.test").state() == NameStatus.State.RESOLVED);
        assertThat(logs.list).anyMatch(e -> e.getFormattedMessage().startsWith("DNS: gw.test (region east) resolves again after"));
    }

    @Test
    void refusedIsAFailureNotAnEmptyAnswer() {
        follow(config(), "gw.example"); // outside .test: dnsmasq has no upstream and refuses

        discovery.awaitAnswers(BOUND);

        NameStatus status = status("gw.example");
        assertThat(status.state()).isEqualTo(NameStatus.State.FAILING);
        assertThat(status.problem()).contains("Refused").contains("127.0.0.1:" + dns.port());
    }

    @Test
    void aNameWithoutAnARecordFallsBackToAaaaUnlessOnlyIpv4IsAsked() {
        dns.set("six.test", "::1");
        follow(config(), "six.test");
        discovery.awaitAnswers(BOUND);
        assertThat(text(discovery.of("six.test"))).containsExactly("0:0:0:0:0:0:0:1");

        follow(config(LookupFamily.V4_ONLY, Duration.ofSeconds(2)), "six.test");
        await().atMost(BOUND).until(() -> status("six.test").state() == NameStatus.State.EMPTY);
        assertThat(status("six.test").problem()).isEqualTo("no A record for six.test");
    }

    @Test
    void allAsksForBothFamilies() {
        dns.set("both.test", "127.0.0.2", "::1");
        follow(config(LookupFamily.ALL, Duration.ofSeconds(2)), "both.test");

        discovery.awaitAnswers(BOUND);

        assertThat(text(discovery.of("both.test"))).containsExactly("127.0.0.2", "0:0:0:0:0:0:0:1");
    }

    @Test
    void theNextServerIsAskedWhenOneDoesNotAnswer() throws IOException {
        int silent;
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            silent = socket.getLocalPort(); // nobody answers there once closed
        }
        dns.set("gw.test", "127.0.0.2");
        follow(config(LookupFamily.V4_PREFERRED, Duration.ofMillis(300),
                new InetSocketAddress("127.0.0.1", silent), new InetSocketAddress("127.0.0.1", dns.port())), "gw.test");

        discovery.awaitAnswers(BOUND);

        assertThat(text(discovery.of("gw.test"))).containsExactly("127.0.0.2");
    }

    @Test
    void aShortNameIsTriedWithTheSearchDomainsAsTheSystemResolverWould() throws IOException {
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 10.255.255.1\nsearch other.test test\noptions ndots:2\n");
        dns.set("gw.test", "127.0.0.2");
        follow(config(), "gw");

        discovery.awaitAnswers(BOUND);

        assertThat(text(discovery.of("gw"))).containsExactly("127.0.0.2");
        assertThat(logs.list).anyMatch(e -> e.getFormattedMessage().equals(
                "DNS: gw (region east) resolves to [127.0.0.2] (TTL 1 s, as gw.test)"));
    }

    @Test
    void namesNoLongerConfiguredAreDroppedWithTheirMeters() {
        dns.set("gw.test", "127.0.0.2");
        follow(config(), "gw.test");
        discovery.awaitAnswers(BOUND);

        discovery.update(config(), Map.of());

        assertThat(discovery.names()).isEmpty();
        assertThat(meters.find("meridian.dns.addresses").gauges()).isEmpty();
        assertThat(meters.find("meridian.dns.resolutions").functionCounters()).isEmpty();
    }
}
