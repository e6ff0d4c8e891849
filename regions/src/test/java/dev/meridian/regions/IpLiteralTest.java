package dev.meridian.regions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.regions.internal.IpLiteral;
import java.net.Inet4Address;
import java.net.Inet6Address;
import org.junit.jupiter.api.Test;

class IpLiteralTest {

    @Test
    void parsesAddressesWithAndWithoutPorts() {
        assertThat(IpLiteral.parse("192.0.2.1").getHostAddress()).isEqualTo("192.0.2.1");
        assertThat(IpLiteral.parse(" 192.0.2.1:8080 ").getHostAddress()).isEqualTo("192.0.2.1");
        assertThat(IpLiteral.parse("2001:db8::1")).isInstanceOf(Inet6Address.class);
        assertThat(IpLiteral.parse("[2001:db8::1]:443").getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(IpLiteral.parse("::ffff:192.0.2.9")).as("IPv4-mapped comes back as IPv4").isInstanceOf(Inet4Address.class);
    }

    @Test
    void rejectsNamesAndMalformedValuesWithoutLookingAnythingUp() {
        assertThat(IpLiteral.parse("example.com")).isNull();
        assertThat(IpLiteral.parse("localhost")).isNull();
        assertThat(IpLiteral.parse("unknown")).isNull();
        assertThat(IpLiteral.parse("_hidden")).isNull();
        assertThat(IpLiteral.parse("256.1.1.1")).isNull();
        assertThat(IpLiteral.parse("1.2.3")).isNull();
        assertThat(IpLiteral.parse("01.2.3.4")).isNull();
        assertThat(IpLiteral.parse("1.2.3.4:99999")).isNull();
        assertThat(IpLiteral.parse("[::1")).isNull();
        assertThat(IpLiteral.parse("fe80::1%eth0")).isNull();
        assertThat(IpLiteral.parse("")).isNull();
        assertThat(IpLiteral.parse("1.2.3.4, 5.6.7.8")).isNull();
    }
}
