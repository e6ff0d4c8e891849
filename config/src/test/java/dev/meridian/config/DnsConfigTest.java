package dev.meridian.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.config.loading.ConfigException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code dns}: bound with its defaults, and refused where written when wrong. */
class DnsConfigTest {

    private static MeridianConfig parse(String yaml) {
        return OneRegionYaml.parse(yaml, "https://gw.example.com");
    }

    @Test
    void withoutADnsSectionTheSystemResolverSettingsApply() {
        DnsConfig dns = parse("").dns();

        assertThat(dns).isEqualTo(DnsConfig.ofDefaults());
        // no servers: those of /etc/resolv.conf
        assertThat(dns).isEqualTo(new DnsConfig(
                List.of(), Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(2), LookupFamily.V4_PREFERRED));
    }

    @Test
    void everyDnsKeyIsBoundAndServersTakePort53UnlessTheyNameOne() {
        DnsConfig dns = parse("""
                dns:
                  servers: ["10.0.0.2", "10.0.0.3:5353", "fd00::2", "[fd00::3]", "[fd00::4]:5300"]
                  min-refresh: 500ms
                  max-refresh: 2m
                  query-timeout: 750ms
                  lookup-family: all
                """).dns();

        assertThat(dns).isEqualTo(new DnsConfig(
                List.of(
                        new InetSocketAddress("10.0.0.2", 53),
                        new InetSocketAddress("10.0.0.3", 5353),
                        new InetSocketAddress("fd00::2", 53),
                        new InetSocketAddress("fd00::3", 53),
                        new InetSocketAddress("fd00::4", 5300)),
                Duration.ofMillis(500), Duration.ofMinutes(2), Duration.ofMillis(750), LookupFamily.ALL));
    }

    @Test
    void badServersAreReportedWhereTheyAreWritten() {
        assertThatThrownBy(() -> parse("""
                dns:
                  servers: ["ns1.example.com", "10.0.0.2:99999", "10.0.0.2", "10.0.0.2:53", "[fd00::2"]
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("m.yaml:2:13: dns.servers[0]: 'ns1.example.com' is not a DNS server address "
                        + "(expected an IP address with an optional port, e.g. 10.0.0.2, 10.0.0.2:53, [fd00::2]:53; "
                        + "host names are not resolved)")
                .hasMessageContaining("dns.servers[1]: '10.0.0.2:99999' is not a DNS server address")
                .hasMessageContaining("m.yaml:2:62: dns.servers[3]: duplicate DNS server '10.0.0.2:53' (first listed at dns.servers[2])")
                .hasMessageContaining("dns.servers[4]: '[fd00::2' is not a DNS server address");
    }

    @Test
    void refreshBoundsMustMakeSenseTogether() {
        assertThatThrownBy(() -> parse("dns: {min-refresh: 10s, max-refresh: 5s}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("m.yaml:1:38: dns.max-refresh: '5s' is shorter than min-refresh (expected at least 10s)");
        assertThatThrownBy(() -> parse("dns: {min-refresh: 1m}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("m.yaml:1:20: dns.min-refresh: '1m' is longer than max-refresh (expected at most 30s, "
                        + "or a longer max-refresh)");
        assertThatThrownBy(() -> parse("dns: {min-refresh: 10ms}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("dns.min-refresh: '10ms' is too short (expected at least 100ms)");
        assertThatThrownBy(() -> parse("dns: {lookup-family: ipv4, timeout: 1s}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("dns.lookup-family")
                .hasMessageContaining("timeout");
    }

    @Test
    void recordsCheckWhatTheBinderChecks() {
        Duration s = Duration.ofSeconds(1);
        LookupFamily f = LookupFamily.ALL;
        assertThatIllegalArgumentException().isThrownBy(() -> new DnsConfig(List.of(), Duration.ofMillis(10), s, s, f))
                .withMessageStartingWith("minRefresh");
        assertThatIllegalArgumentException().isThrownBy(() -> new DnsConfig(List.of(), s, Duration.ofMillis(500), s, f))
                .withMessageStartingWith("maxRefresh");
        assertThatIllegalArgumentException().isThrownBy(() -> new DnsConfig(List.of(), s, s, Duration.ZERO, f))
                .withMessageStartingWith("queryTimeout");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new DnsConfig(List.of(InetSocketAddress.createUnresolved("ns1", 53)), s, s, s, f))
                .withMessageContaining("not a name");
        assertThat(LookupFamily.values()).extracting(LookupFamily::configName)
                .containsExactly("v4-only", "v6-only", "v4-preferred", "v6-preferred", "all");
    }
}
