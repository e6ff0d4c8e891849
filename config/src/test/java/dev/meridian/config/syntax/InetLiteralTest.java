package dev.meridian.config.syntax;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;

class InetLiteralTest {

    @Test
    void ipv4LiteralsAreStrict() throws Exception {
        assertThat(InetLiteral.parse("10.1.2.3")).isEqualTo(InetAddress.getByName("10.1.2.3"));
        assertThat(InetLiteral.parse("0.0.0.0")).isEqualTo(InetAddress.getByName("0.0.0.0"));
    }

    @Test
    void ipv6LiteralsAreParsedAndMappedOnesComeBackAsIpv4() throws Exception {
        assertThat(InetLiteral.parse("::1")).isEqualTo(InetAddress.getByName("::1"));
        assertThat(InetLiteral.parse("2001:db8::10.0.0.1")).isEqualTo(InetAddress.getByName("2001:db8::a00:1"));
        assertThat(InetLiteral.parse("::ffff:10.0.0.1")).as("IPv4-mapped").isEqualTo(InetAddress.getByName("10.0.0.1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "10.1", "010.1.2.3", "01.2.3.4", "256.1.2.3", "1.2.3", "1.2.3.4.5", "1.2.3.",
        "example.com", "localhost", "unknown", "_hidden", ".::1",
        "[::1]", "fe80::1%eth0", "gg::1", "1:2:3:4:5:6:7:8:9", "10.0.0.1:80"})
    void namesAndMalformedLiteralsAreRefusedWithoutALookup(String text) {
        assertThat(InetLiteral.parse(text)).isNull();
    }

    @Test
    void hostsFromHeadersAndUrlsMayCarryBracketsAndAPort() throws Exception {
        assertThat(InetLiteral.parseHost("192.0.2.1")).isEqualTo(InetAddress.getByName("192.0.2.1"));
        assertThat(InetLiteral.parseHost(" 192.0.2.1:8080 ")).isEqualTo(InetAddress.getByName("192.0.2.1"));
        assertThat(InetLiteral.parseHost("2001:db8::1")).isEqualTo(InetAddress.getByName("2001:db8::1"));
        assertThat(InetLiteral.parseHost("[2001:db8::1]")).isEqualTo(InetAddress.getByName("2001:db8::1"));
        assertThat(InetLiteral.parseHost("[2001:db8::1]:443")).isEqualTo(InetAddress.getByName("2001:db8::1"));
        assertThat(InetLiteral.parseHost("::ffff:192.0.2.9")).as("IPv4-mapped comes back as IPv4").isInstanceOf(Inet4Address.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "example.com", "example.com:80", "unknown", "1.2.3.4:99999", "1.2.3.4:", "1.2.3.4:x", "[::1", "[::1]x",
        "[1.2.3.4]", "[]", "[example.com]", "fe80::1%eth0", "[fe80::1%eth0]:80", "1.2.3.4, 5.6.7.8", "01.2.3.4:80"})
    void hostsThatAreNotLiteralsAreRefusedWithoutALookup(String text) {
        assertThat(InetLiteral.parseHost(text)).isNull();
    }

    @Test
    void socketAddressesTakeTheDefaultPortWhenTheTextHasNone() throws Exception {
        assertThat(InetLiteral.parseSocketAddress("10.0.0.2", 53)).isEqualTo(new InetSocketAddress(InetAddress.getByName("10.0.0.2"), 53));
        assertThat(InetLiteral.parseSocketAddress("10.0.0.2:5353", 53)).isEqualTo(new InetSocketAddress(InetAddress.getByName("10.0.0.2"), 5353));
        assertThat(InetLiteral.parseSocketAddress("fd00::2", 53)).isEqualTo(new InetSocketAddress(InetAddress.getByName("fd00::2"), 53));
        assertThat(InetLiteral.parseSocketAddress("[fd00::2]:54", 53)).isEqualTo(new InetSocketAddress(InetAddress.getByName("fd00::2"), 54));
        assertThat(InetLiteral.parseSocketAddress(" 10.0.0.2", 53)).as("no trimming here").isNull();
        assertThat(InetLiteral.parseSocketAddress("10.0.0.2:65536", 53)).isNull();
    }

    @Test
    void ipv6IsFormattedPerRfc5952() throws Exception {
        assertThat(InetLiteral.format(InetAddress.getByName("2001:db8:0:0:0:0:2:1"))).isEqualTo("2001:db8::2:1");
        assertThat(InetLiteral.format(InetAddress.getByName("2001:db8:0:1:1:1:1:1"))).as("one zero group stays").isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(InetLiteral.format(InetAddress.getByName("2001:0:0:1:0:0:0:1"))).as("longest run").isEqualTo("2001:0:0:1::1");
        assertThat(InetLiteral.format(InetAddress.getByName("::"))).isEqualTo("::");
        assertThat(InetLiteral.format(InetAddress.getByName("fd00::"))).isEqualTo("fd00::");
    }

    @Test
    void bindingsClashOnTheSamePortOfOverlappingAddresses() {
        assertThat(InetLiteral.bindingsClash("0.0.0.0", 8080, "127.0.0.1", 8080)).isTrue();
        assertThat(InetLiteral.bindingsClash("::", 8080, "127.0.0.1", 8080)).isTrue();
        assertThat(InetLiteral.bindingsClash("10.0.0.1", 8080, "127.0.0.1", 8080)).isFalse();
        assertThat(InetLiteral.bindingsClash("127.0.0.1", 8080, "127.0.0.1", 8081)).isFalse();
        assertThat(InetLiteral.bindingsClash("127.0.0.1", 0, "127.0.0.1", 0)).isFalse();
    }
}
