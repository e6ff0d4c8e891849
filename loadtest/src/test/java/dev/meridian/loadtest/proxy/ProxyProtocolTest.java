package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** With {@code listen.proxy-protocol}, the PROXY header's source is the client (v1 and v2). */
class ProxyProtocolTest {

    @RegisterExtension
    final ProxyFixture fixture = ProxyFixture.of(ProxyFixture.oneRegion(1)
            .set("listen", "{address: 127.0.0.1, port: 0, proxy-protocol: true}"));

    @Test
    void aVersionOneHeaderGivesTheClientAddress() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send("PROXY TCP4 203.0.113.7 127.0.0.1 40000 8080\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).contains("\"x-forwarded-for\":[\"203.0.113.7\"]");

            client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
            assertThat(client.readResponse().text())
                    .as("the whole connection belongs to that client")
                    .contains("\"x-forwarded-for\":[\"203.0.113.7\"]");
        }
    }

    @Test
    void aVersionTwoHeaderGivesTheClientAddress() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send(v2Header("2001:db8::42", "::1"));
            client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).contains("\"x-forwarded-for\":[\"2001:db8:0:0:0:0:0:42\"]");
        }
    }

    @Test
    void aConnectionWithoutTheHeaderIsRefused() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(client.isClosedByPeer()).isTrue();
        }
        assertThat(fixture.gateway(0).stats().requests()).isZero();
    }

    /** A PROXY v2 header for TCP over IPv6 (RFC: haproxy.org/download/2.8/doc/proxy-protocol.txt, section 2.2). */
    private static byte[] v2Header(String source, String destination) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        out.write(0x21); // version 2, PROXY
        out.write(0x21); // AF_INET6, STREAM
        ByteBuffer addresses = ByteBuffer.allocate(36);
        addresses.put(InetAddress.getByName(source).getAddress());
        addresses.put(InetAddress.getByName(destination).getAddress());
        addresses.putShort((short) 40000).putShort((short) 8080);
        out.write(0);
        out.write(36);
        out.write(addresses.array());
        return out.toByteArray();
    }
}
