package dev.meridian.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The hand-written encoding and decoding of the gRPC health protocol. */
class GrpcHealthTest {

    private static final HttpHeaders GRPC = new DefaultHttpHeaders().set("content-type", "application/grpc");
    private static final HttpHeaders OK = new DefaultHttpHeaders().set("grpc-status", "0");

    /** A framed message holding {@code message}. */
    private static byte[] framed(int... message) {
        byte[] bytes = new byte[5 + message.length];
        bytes[4] = (byte) message.length;
        for (int i = 0; i < message.length; i++) {
            bytes[5 + i] = (byte) message[i];
        }
        return bytes;
    }

    @Test
    void requestForTheWholeServerIsAnEmptyMessage() {
        assertThat(GrpcHealth.request("")).containsExactly(0, 0, 0, 0, 0);
    }

    @Test
    void requestCarriesTheServiceAsField1() {
        assertThat(GrpcHealth.request("a.B")).containsExactly(0, 0, 0, 0, 5, 0x0A, 3, 'a', '.', 'B');
    }

    @Test
    void longServiceNameHasAMultiByteVarintLength() {
        String name = "s".repeat(200);
        byte[] request = GrpcHealth.request(name);
        assertThat(request).startsWith(0, 0, 0, 0, (byte) 203, 0x0A, (byte) 0xC8, 0x01);
        assertThat(new String(request, 8, 200, StandardCharsets.UTF_8)).isEqualTo(name);
    }

    @Test
    void servingWithGrpcStatus0IsHealthy() {
        assertThat(GrpcHealth.problem(200, GRPC, OK, framed(0x08, 1))).isNull();
    }

    @Test
    void unknownFieldsOfEveryWireTypeAreSkipped() {
        byte[] body = framed(
                0x10, 0x96, 0x01,                       // field 2, varint 150
                0x19, 1, 2, 3, 4, 5, 6, 7, 8,           // field 3, fixed64
                0x22, 2, 'h', 'i',                      // field 4, length-delimited
                0x2D, 1, 2, 3, 4,                       // field 5, fixed32
                0x08, 1);                               // status SERVING
        assertThat(GrpcHealth.servingStatus(body)).isEqualTo(1);
    }

    @Test
    void missingStatusIsUnknownAsProto3Defines() {
        assertThat(GrpcHealth.problem(200, GRPC, OK, framed())).isEqualTo("grpc health: UNKNOWN");
    }

    @Test
    void notServingAndServiceUnknownAndFutureValuesAreNamed() {
        assertThat(GrpcHealth.problem(200, GRPC, OK, framed(0x08, 2))).isEqualTo("grpc health: NOT_SERVING");
        assertThat(GrpcHealth.problem(200, GRPC, OK, framed(0x08, 3))).isEqualTo("grpc health: SERVICE_UNKNOWN");
        assertThat(GrpcHealth.problem(200, GRPC, OK, framed(0x08, 9))).isEqualTo("grpc health: status 9 (not SERVING)");
    }

    @Test
    void grpcStatusFromTrailersOnlyHeadersWithPercentDecodedMessage() {
        HttpHeaders headers = new DefaultHttpHeaders().set("content-type", "application/grpc")
                .set("grpc-status", "14").set("grpc-message", "upstream%20down: 100%25+sure");
        assertThat(GrpcHealth.problem(200, headers, EmptyHttpHeaders.INSTANCE, new byte[0]))
                .isEqualTo("grpc-status 14 (UNAVAILABLE): upstream down: 100%+sure");
    }

    @Test
    void trailersWinOverHeaders() {
        HttpHeaders trailers = new DefaultHttpHeaders().set("grpc-status", "7");
        assertThat(GrpcHealth.problem(200, GRPC, trailers, framed(0x08, 1))).isEqualTo("grpc-status 7 (PERMISSION_DENIED)");
    }

    @Test
    void nonGrpcAnswersAreNamed() {
        assertThat(GrpcHealth.problem(503, GRPC, EmptyHttpHeaders.INSTANCE, new byte[0])).isEqualTo("grpc health: HTTP 503");
        HttpHeaders html = new DefaultHttpHeaders().set("content-type", "text/html");
        assertThat(GrpcHealth.problem(200, html, EmptyHttpHeaders.INSTANCE, new byte[0]))
                .isEqualTo("grpc health: not a gRPC response (content-type text/html)");
        assertThat(GrpcHealth.problem(200, GRPC, EmptyHttpHeaders.INSTANCE, framed(0x08, 1)))
                .isEqualTo("grpc health: response without grpc-status");
    }

    @Test
    void malformedBodiesAreRefusedWithTheReason() {
        assertThat(GrpcHealth.problem(200, GRPC, OK, new byte[0])).isEqualTo("grpc health: malformed response: no message");
        assertThatIllegalArgumentException().isThrownBy(() -> GrpcHealth.servingStatus(new byte[] {0, 0, 0}))
                .withMessageContaining("truncated message prefix");
        assertThatIllegalArgumentException().isThrownBy(() -> GrpcHealth.servingStatus(new byte[] {1, 0, 0, 0, 2, 8, 1}))
                .withMessageContaining("compressed");
        assertThatIllegalArgumentException().isThrownBy(() -> GrpcHealth.servingStatus(new byte[] {0, 0, 0, 0, 9, 8, 1}))
                .withMessageContaining("message length 9 but 2 bytes");
        assertThatIllegalArgumentException().isThrownBy(() -> GrpcHealth.servingStatus(framed(0x08)))
                .withMessage("truncated varint");
        assertThatIllegalArgumentException().isThrownBy(() -> GrpcHealth.servingStatus(framed(0x22, 5, 'h')))
                .withMessage("truncated field");
        assertThatIllegalArgumentException().isThrownBy(() -> GrpcHealth.servingStatus(framed(0x0B)))
                .withMessageContaining("wire type 3");
    }

    @Test
    void grpcTimeoutHasAtMostEightDigits() {
        assertThat(GrpcHealth.timeout(1000)).isEqualTo("1000m");
        assertThat(GrpcHealth.timeout(0)).isEqualTo("1m");
        assertThat(GrpcHealth.timeout(1_000_000_000L)).isEqualTo("1000000S");
    }
}
