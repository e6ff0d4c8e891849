package dev.meridian.loadtest.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The data port's non-streaming endpoints over real sockets. */
class EndpointsTest {

    private static SimulatedGateway gateway;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        gateway = SimulatedGateway.start(GatewayConfig.of("endpoints"));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v2/code/completions", "/v2/completions"})
    void completionsAnswerTheGatewaysJsonShape(String path) throws Exception {
        HttpResponse<String> response = client.send(post(path, "{\"prompt_version\":1,\"current_file\":{}}")
                .header("X-Request-ID", "req-42").build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.headers().firstValue("x-sim-gateway")).hasValue("endpoints");
        assertThat(response.headers().firstValue("x-request-id")).hasValue("req-42");
        Map<String, Object> json = JsonText.parseObject(response.body());
        assertThat((String) json.get("id")).startsWith("cmpl-").hasSize(21);
        assertThat(json.get("model")).isEqualTo(Map.of("engine", "sim", "name", "sim-code", "lang", "python"));
        assertThat(json.get("object")).isEqualTo("text_completion");
        assertThat(((BigDecimal) json.get("created")).longValue())
                .isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(5L));
        @SuppressWarnings("unchecked") // parsed JSON: choices is an array of objects
        List<Map<String, Object>> choices = (List<Map<String, Object>>) json.get("choices");
        assertThat(choices).singleElement().satisfies(choice -> {
            assertThat((String) choice.get("text")).contains("def fibonacci(n):");
            assertThat(choice.get("index")).isEqualTo(BigDecimal.ZERO);
            assertThat(choice.get("finish_reason")).isEqualTo("length");
        });
    }

    @Test
    void responsesWithoutRequestIdCarryOnlyTheGatewayName() throws Exception {
        HttpResponse<String> response = client.send(get("/monitoring/healthz").build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"status\":\"ok\"}");
        assertThat(response.headers().firstValue("x-sim-gateway")).hasValue("endpoints");
        assertThat(response.headers().firstValue("x-request-id")).isEmpty();
    }

    @Test
    void readyAnswersOkWithoutFault() throws Exception {
        HttpResponse<String> response = client.send(get("/monitoring/ready").build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"status\":\"ok\"}");
    }

    @Test
    void unknownPathIs404Json() throws Exception {
        HttpResponse<String> response = client.send(get("/v1/nope?x=1").build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(JsonText.parseObject(response.body())).containsEntry("detail", "Not Found");
    }

    @Test
    void wrongMethodOnKnownPathIs405WithAllow() throws Exception {
        HttpResponse<String> response = client.send(get("/v2/code/completions").build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("allow")).hasValue("POST");
    }

    @Test
    void bodyOverOneMebibyteIs413AndTheConnectionStaysUsable() throws Exception {
        byte[] big = new byte[(1 << 20) + 1];
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.send("POST /v2/code/completions HTTP/1.1\r\nhost: x", big);
            RawHttpConnection.Response rejected = connection.readResponse();
            connection.send("GET /monitoring/healthz HTTP/1.1\r\nhost: x");
            RawHttpConnection.Response next = connection.readResponse();

            assertThat(rejected.status()).isEqualTo(413);
            assertThat(JsonText.parseObject(rejected.body()).get("detail").toString()).contains("1048576");
            assertThat(next.status()).as("the rest of the rejected body was drained, not parsed as a request")
                    .isEqualTo(200);
        }
    }

    @Test
    void chunkedBodyOverTheLimitIsRejectedWhenItCrossesIt() throws Exception {
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.write("POST /v2/chat/agent HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n");
            String chunk = "a".repeat(64 * 1024);
            for (int i = 0; i < 17; i++) {
                connection.write(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
            }
            RawHttpConnection.Response rejected = connection.readResponse();
            connection.write("0\r\n\r\n");
            connection.send("GET /monitoring/healthz HTTP/1.1\r\nhost: x");

            assertThat(rejected.status()).as("413 before the client finished sending").isEqualTo(413);
            assertThat(connection.readResponse().status()).isEqualTo(200);
        }
    }

    @Test
    void echoReturnsMethodUriHeadersAndTheSha256OfAFiveMegabyteBody() throws Exception {
        byte[] body = new byte[5 * 1024 * 1024];
        ThreadLocalRandom.current().nextBytes(body);
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri("/echo?q=1"))
                .POST(BodyPublishers.ofByteArray(body))
                .header("X-Gitlab-Realm", "saas")
                .header("X-Multi", "one")
                .header("X-Multi", "two")
                .build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Object> json = JsonText.parseObject(response.body());
        assertThat(json).containsEntry("method", "POST").containsEntry("uri", "/echo?q=1");
        assertThat(json.get("bodyBytes")).isEqualTo(BigDecimal.valueOf(body.length));
        assertThat(json.get("bodySha256"))
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
        @SuppressWarnings("unchecked") // parsed JSON: headers is an object of arrays
        Map<String, List<String>> headers = (Map<String, List<String>>) json.get("headers");
        assertThat(headers).containsEntry("x-gitlab-realm", List.of("saas"))
                .containsEntry("x-multi", List.of("one", "two"))
                .containsEntry("content-length", List.of(Integer.toString(body.length)));
    }

    @Test
    void echoAnswersAnyMethod() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri("/echo"))
                .method("DELETE", BodyPublishers.noBody()).build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JsonText.parseObject(response.body()))
                .containsEntry("method", "DELETE")
                .containsEntry("bodyBytes", BigDecimal.ZERO)
                .containsEntry("bodySha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void bytesOfFiftyMegabytesStreamWithTheDeterministicPattern() throws Exception {
        long n = 50L * 1024 * 1024;
        HttpResponse<InputStream> response = client.send(get("/bytes/" + n).build(), BodyHandlers.ofInputStream());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValueAsLong("content-length")).hasValue(n);
        assertThat(sha256(response.body())).isEqualTo(expectedPatternSha256(n));
    }

    @Test
    void bytesOfZeroIsAnEmptyBody() throws Exception {
        HttpResponse<byte[]> response = client.send(get("/bytes/0").build(), BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/bytes/-1", "/bytes/abc", "/bytes/1073741825"})
    void bytesWithABadLengthIs400(String path) throws Exception {
        HttpResponse<String> response = client.send(get(path).build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JsonText.parseObject(response.body()).get("detail").toString()).contains("/bytes/{n}");
    }

    @Test
    void connectionCloseIsHonoured() throws Exception {
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.send("GET /monitoring/healthz HTTP/1.1\r\nhost: x\r\nconnection: close");
            RawHttpConnection.Response response = connection.readResponse();

            assertThat(response.status()).isEqualTo(200);
            assertThat(connection.read()).as("the server closed after the response").isEqualTo(-1);
        }
    }

    @Test
    void malformedRequestIs400AndClosed() throws Exception {
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.write("GET /monitoring/healthz HTTP/1.1\r\nhost: x\r\ncontent-length: nope\r\n\r\n");
            RawHttpConnection.Response response = connection.readResponse();

            assertThat(response.status()).isEqualTo(400);
            assertThat(response.head().headers()).containsEntry("x-sim-gateway", "endpoints");
            assertThat(connection.read()).isEqualTo(-1);
        }
    }

    @Test
    void expectContinueIsAnswered() throws Exception {
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.write("POST /v2/completions HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 2\r\n\r\n");
            RawHttpConnection.Head interim = connection.readHead();
            connection.write("{}");

            assertThat(interim.status()).isEqualTo(100);
            assertThat(connection.readResponse().status()).isEqualTo(200);
        }
    }

    static HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET();
    }

    static HttpRequest.Builder post(String path, String json) {
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .POST(BodyPublishers.ofString(json));
    }

    private static URI uri(String path) {
        return gateway.baseUri().resolve(path);
    }

    static String sha256(InputStream in) throws IOException {
        try (in) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String expectedPatternSha256(long n) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[256 * 1024];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i * 31 + 7);
        }
        for (long done = 0; done < n; done += block.length) {
            digest.update(block, 0, (int) Math.min(block.length, n - done));
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
