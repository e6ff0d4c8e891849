package dev.meridian.config;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class CidrRangeTest {

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** An IPv4-mapped address as a dual-stack socket reports it: an Inet6Address, not converted to IPv4. */
    private static InetAddress mapped(int a, int b, int c, int d) {
        try {
            return Inet6Address.getByAddress(null,
                    new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) a, (byte) b, (byte) c, (byte) d}, -1);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Ranges contain exactly their addresses, bit by bit, and never an address of the other family. */
    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource(textBlock = """
            10.0.0.0/8,     10.0.0.0,        true
            10.0.0.0/8,     10.255.255.255,  true
            10.0.0.0/8,     11.0.0.0,        false
            10.0.0.0/8,     ::a00:1,         false
            192.168.4.0/22, 192.168.7.255,   true
            192.168.4.0/22, 192.168.8.0,     false
            192.168.4.0/22, 192.168.3.255,   false
            fd00::/8,       fd12:3456::1,    true
            fd00::/8,       fe80::1,         false
            fd00::/8,       10.0.0.1,        false
            ::1,            ::1,             true
            ::1,            ::2,             false
            0.0.0.0/0,      203.0.113.9,     true
            ::/0,           2001:db8::1,     true
            ::/0,           203.0.113.9,     false
            """)
    void rangesContainTheirAddressesOnly(String range, String address, boolean contained) {
        assertThat(CidrRange.parse(range).contains(ip(address))).isEqualTo(contained);
    }

    @Test
    void bareAddressesAreSingleHosts() {
        assertThat(CidrRange.parse("127.0.0.1")).isEqualTo(new CidrRange(ip("127.0.0.1"), 32));
        assertThat(CidrRange.parse("::1")).isEqualTo(new CidrRange(ip("::1"), 128));
    }

    @Test
    void ipv4MappedCandidatesAreMatchedAsIpv4() {
        CidrRange range = CidrRange.parse("10.0.0.0/8");

        assertThat(range.contains(mapped(10, 1, 2, 3))).isTrue();
        assertThat(range.contains(mapped(192, 0, 2, 1))).isFalse();
    }

    @Test
    void ipv4MappedRangesAreTheIpv4RangesTheyCarry() {
        CidrRange range = CidrRange.parse("::ffff:10.0.0.0/104");

        assertThat(range).isEqualTo(CidrRange.parse("10.0.0.0/8"));
        assertThat(range.contains(ip("10.9.9.9"))).isTrue();
        assertThat(range.contains(mapped(10, 9, 9, 9))).isTrue();
        assertThat(CidrRange.parse("::ffff:192.0.2.1")).isEqualTo(CidrRange.parse("192.0.2.1/32"));
        assertThat(new CidrRange(mapped(10, 0, 0, 0), 104)).isEqualTo(CidrRange.parse("10.0.0.0/8"));
    }

    @Test
    void toStringIsCidrNotation() {
        assertThat(CidrRange.parse("10.0.0.0/8")).hasToString("10.0.0.0/8");
        assertThat(CidrRange.parse("2001:0db8:0000:0000:0000:0000:0000:0000/32")).hasToString("2001:db8::/32");
        assertThat(CidrRange.parse("::1")).hasToString("::1/128");
    }

    /** Refused without any lookup; a leading zero is refused because other tools read it as octal. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            localhost         | 'localhost' is not a CIDR range (expected e.g. 10.0.0.0/8, fd00::/8, 127.0.0.1)
            10.0.0/8          | '10.0.0/8' is not a CIDR range (expected e.g. 10.0.0.0/8, fd00::/8, 127.0.0.1)
            010.0.0.0/8       | '010.0.0.0/8' is not a CIDR range (expected e.g. 10.0.0.0/8, fd00::/8, 127.0.0.1)
            10.0.0.0/-1       | '10.0.0.0/-1' is not a CIDR range (expected e.g. 10.0.0.0/8, fd00::/8, 127.0.0.1)
            fe80::1%eth0      | 'fe80::1%eth0' is not a CIDR range (expected e.g. 10.0.0.0/8, fd00::/8, 127.0.0.1)
            ::ffff:10.0.0.0/8 | '::ffff:10.0.0.0/8' has prefix length 8 (expected: 96..128)
            """)
    void malformedRangesAreRefusedWithoutAnyLookup(String text, String message) {
        assertThatIllegalArgumentException().isThrownBy(() -> CidrRange.parse(text)).withMessage(message);
    }

    @Test
    void constructorRefusesHostBitsAndBadPrefixes() {
        assertThatIllegalArgumentException().isThrownBy(() -> new CidrRange(ip("10.1.0.0"), 8))
                .withMessage("address: 10.1.0.0 has bits set beyond /8 (expected: 10.0.0.0/8)");
        assertThatIllegalArgumentException().isThrownBy(() -> new CidrRange(ip("10.0.0.0"), 33))
                .withMessage("prefixLength: 33 (expected: 0..32)");
    }
}
