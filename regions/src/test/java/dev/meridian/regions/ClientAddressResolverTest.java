package dev.meridian.regions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.CidrRange;
import dev.meridian.config.GeoConfig;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressResolverTest {

    private final ClientAddressResolver resolver = new ClientAddressResolver(GeoConfig.ofDefaults()
            .withTrustedProxies(List.of(CidrRange.parse("10.0.0.0/8"), CidrRange.parse("2001:db8:ffff::/48"))));

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void anUntrustedPeerIsTheClientWhateverItsHeadersSay() throws Exception {
        assertThat(resolver.resolve(ip("198.51.100.7"), List.of("for=203.0.113.1"), List.of("203.0.113.1")))
                .isEqualTo(ip("198.51.100.7"));
    }

    @Test
    void theRightMostUntrustedHopIsTheClient() throws Exception {
        // A spoofed left-most value, the real client, then two of our proxies.
        assertThat(resolver.resolve(ip("10.0.0.2"), List.of(), List.of("6.6.6.6, 203.0.113.9", "10.1.1.1")))
                .isEqualTo(ip("203.0.113.9"));
    }

    @Test
    void forwardedIsPreferredAndUnquotedWithPortsAndIpv6() throws Exception {
        assertThat(resolver.resolve(ip("10.0.0.2"),
                        List.of("for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\""),
                        List.of("203.0.113.9")))
                .isEqualTo(ip("2001:db8:cafe::17"));
    }

    @Test
    void aMalformedHopStopsTheWalkAtTheLastTrustedAddress() throws Exception {
        assertThat(resolver.resolve(ip("10.0.0.2"), List.of(), List.of("203.0.113.9, garbage, 10.0.0.3")))
                .isEqualTo(ip("10.0.0.3"));
        assertThat(resolver.resolve(ip("10.0.0.2"), List.of("for=unknown"), List.of()))
                .isEqualTo(ip("10.0.0.2"));
        assertThat(resolver.resolve(ip("10.0.0.2"), List.of(), List.of("evil.example.com")))
                .as("names are never resolved")
                .isEqualTo(ip("10.0.0.2"));
    }

    @Test
    void withNoHeadersOrOnlyTrustedHopsTheLeftMostKnownAddressIsUsed() throws Exception {
        assertThat(resolver.resolve(ip("10.0.0.2"), List.of(), List.of())).isEqualTo(ip("10.0.0.2"));
        assertThat(resolver.resolve(ip("10.0.0.2"), List.of(), List.of("10.9.9.9, 10.8.8.8"))).isEqualTo(ip("10.9.9.9"));
    }

    @Test
    void ipv4MappedPeersAndHopsMatchIpv4Ranges() throws Exception {
        assertThat(resolver.isTrusted(ip("::ffff:10.1.2.3"))).isTrue();
        assertThat(resolver.resolve(ip("::ffff:10.1.2.3"), List.of(), List.of("::ffff:203.0.113.5")))
                .isEqualTo(ip("203.0.113.5"));
        assertThat(resolver.resolve(ip("2001:db8:ffff::1"), List.of(), List.of("2001:db8:1::1")))
                .isEqualTo(ip("2001:db8:1::1"));
    }

    @Test
    void aHeaderBombIsBounded() throws Exception {
        String many = String.join(", ", java.util.Collections.nCopies(10_000, "10.0.0.1"));
        assertThat(resolver.resolve(ip("10.0.0.2"), List.of(), List.of(many))).isEqualTo(ip("10.0.0.1"));
    }
}
