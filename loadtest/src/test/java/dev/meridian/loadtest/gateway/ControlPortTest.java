package dev.meridian.loadtest.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The control port's JSON endpoints, round trip. */
class ControlPortTest {

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    @AutoClose
    private final SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("control"));

    @Test
    void overviewDescribesTheGateway() throws Exception {
        HttpResponse<String> response = send("GET", "/", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JsonText.parseObject(response.body()))
                .containsEntry("name", "control")
                .containsEntry("state", "up")
                .containsEntry("port", BigDecimal.valueOf(gateway.port()))
                .containsEntry("controlPort", BigDecimal.valueOf(gateway.controlPort()))
                .containsEntry("fault", Map.of("mode", "none"))
                .containsEntry("hold", false);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"mode\":\"none\"}|{\"mode\":\"none\"}",
        "{\"mode\":\"hang\"}|{\"mode\":\"hang\"}",
        "{\"mode\":\"slow\",\"extra\":\"200ms\"}|{\"mode\":\"slow\",\"extra\":\"200ms\"}",
        "{\"mode\":\"errors\",\"status\":503,\"rate\":0.5,\"retry-after\":\"5s\"}|{\"mode\":\"errors\",\"status\":503,\"rate\":0.5,\"retry-after\":\"5s\"}",
        "{\"mode\":\"errors\"}|{\"mode\":\"errors\",\"status\":503,\"rate\":1.0}",
        "{\"mode\":\"errors\",\"status\":429,\"retryAfter\":\"1500ms\"}|{\"mode\":\"errors\",\"status\":429,\"rate\":1.0,\"retry-after\":\"1500ms\"}",
        "{\"mode\":\"reset-mid-stream\",\"after-chunks\":3}|{\"mode\":\"reset-mid-stream\",\"after-chunks\":3}",
    })
    void putFaultRoundTrips(String request, String expected) throws Exception {
        HttpResponse<String> put = send("PUT", "/fault", request);
        HttpResponse<String> get = send("GET", "/fault", null);

        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.body()).isEqualTo(expected);
        assertThat(get.body()).isEqualTo(expected);
        assertThat(gateway.fault().mode()).isEqualTo(JsonText.parseObject(request).get("mode"));
    }

    @Test
    void putFaultTakesEffectOnTheDataPort() throws Exception {
        send("PUT", "/fault", "{\"mode\":\"errors\",\"status\":429,\"rate\":1,\"retry-after\":\"3s\"}");
        HttpResponse<String> data = client.send(HttpRequest.newBuilder(gateway.baseUri().resolve("/v2/completions"))
                .POST(BodyPublishers.ofString("{}")).build(), BodyHandlers.ofString());

        assertThat(gateway.fault()).isEqualTo(Fault.errors(429, 1.0, Duration.ofSeconds(3)));
        assertThat(data.statusCode()).isEqualTo(429);
        assertThat(data.headers().firstValue("retry-after")).hasValue("3");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "|body: empty",
        "{\"mode\":\"sideways\"}|mode: 'sideways'",
        "{}|mode: missing",
        "{\"mode\":\"slow\"}|extra: missing",
        "{\"mode\":\"slow\",\"extra\":200}|extra: 200 (expected: a duration string",
        "{\"mode\":\"slow\",\"extra\":\"fast\"}|extra: duration: 'fast'",
        "{\"mode\":\"errors\",\"rate\":1.5}|rate: 1.5",
        "{\"mode\":\"errors\",\"status\":200}|status: 200",
        "{\"mode\":\"errors\",\"status\":503.5}|status: 503.5 (expected: an integer)",
        "{\"mode\":\"hang\",\"rate\":1}|rate: does not apply to mode 'hang'",
        "{\"mode\":\"reset-mid-stream\",\"after-chunks\":-1}|afterChunks: -1",
        "{\"mode\":\"none\"|malformed JSON at offset 14",
        "[1,2]|expected a JSON object",
    })
    void badFaultIs400WithTheControlErrorShape(String body, String detail) throws Exception {
        HttpResponse<String> response = send("PUT", "/fault", body == null ? "" : body);

        assertThat(response.statusCode()).isEqualTo(400);
        Map<String, Object> json = JsonText.parseObject(response.body());
        assertThat(json).containsEntry("error", "bad_request");
        assertThat((String) json.get("detail")).contains(detail);
        assertThat(gateway.fault()).as("unchanged").isEqualTo(Fault.none());
    }

    @Test
    void putLatencyRoundTripsAndRejectsAnInvertedModel() throws Exception {
        HttpResponse<String> put = send("PUT", "/latency", "{\"median\":\"20ms\",\"p99\":\"200ms\"}");
        HttpResponse<String> fixed = send("PUT", "/latency", "{\"median\":\"5ms\"}");
        HttpResponse<String> inverted = send("PUT", "/latency", "{\"median\":\"200ms\",\"p99\":\"20ms\"}");

        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.body()).isEqualTo("{\"median\":\"20ms\",\"p99\":\"200ms\"}");
        assertThat(fixed.body()).isEqualTo("{\"median\":\"5ms\",\"p99\":\"5ms\"}");
        assertThat(inverted.statusCode()).isEqualTo(400);
        assertThat(gateway.latency()).isEqualTo(LatencyModel.fixed(Duration.ofMillis(5)));
        assertThat(send("GET", "/latency", null).body()).isEqualTo("{\"median\":\"5ms\",\"p99\":\"5ms\"}");
    }

    @Test
    void statsAndResetRoundTrip() throws Exception {
        client.send(HttpRequest.newBuilder(gateway.baseUri().resolve("/monitoring/healthz")).build(), BodyHandlers.discarding());

        Map<String, Object> stats = JsonText.parseObject(send("GET", "/stats", null).body());
        Map<String, Object> reset = JsonText.parseObject(send("POST", "/stats/reset", null).body());

        assertThat(stats).containsEntry("name", "control")
                .containsEntry("requests", BigDecimal.ONE)
                .containsEntry("connectionsAccepted", BigDecimal.ONE)
                .containsKeys("openConnections", "responsesCompleted", "cancelled", "bytesReceived");
        assertThat(stats.get("requestsByPath")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("/monitoring/healthz", BigDecimal.ONE)
                .containsEntry("other", BigDecimal.ZERO);
        assertThat(reset).containsEntry("requests", BigDecimal.ZERO);
        assertThat(gateway.stats().requests()).isZero();
    }

    @Test
    void holdRoundTrips() throws Exception {
        HttpResponse<String> held = send("POST", "/hold", "{\"hold\":true}");
        boolean heldNow = gateway.streamsHeld();
        HttpResponse<String> released = send("POST", "/hold", "{\"hold\":false}");
        HttpResponse<String> bad = send("POST", "/hold", "{\"hold\":\"yes\"}");

        assertThat(held.body()).isEqualTo("{\"hold\":true}");
        assertThat(heldNow).isTrue();
        assertThat(released.body()).isEqualTo("{\"hold\":false}");
        assertThat(gateway.streamsHeld()).isFalse();
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("hold: \\\"yes\\\" (expected: true or false)");
    }

    @Test
    void downAndUpThroughTheControlPort() throws Exception {
        HttpResponse<String> down = send("POST", "/down", null);

        assertThat(down.statusCode()).isEqualTo(200);
        assertThat(JsonText.parseObject(down.body())).containsEntry("state", "down")
                .containsEntry("port", BigDecimal.valueOf(gateway.port()));
        assertThatThrownBy(() -> RawHttpConnection.open(gateway.port())).isInstanceOf(ConnectException.class);

        HttpResponse<String> up = send("POST", "/up", null);

        assertThat(JsonText.parseObject(up.body())).containsEntry("state", "up");
        assertThat(client.send(HttpRequest.newBuilder(gateway.baseUri().resolve("/monitoring/healthz")).build(),
                BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    }

    @Test
    void unknownEndpointIs404AndWrongMethodIs405() throws Exception {
        HttpResponse<String> unknown = send("GET", "/nope", null);
        HttpResponse<String> wrongMethod = send("DELETE", "/fault", null);

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JsonText.parseObject(unknown.body())).containsEntry("error", "not_found");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("allow")).hasValue("GET, PUT");
        assertThat(JsonText.parseObject(wrongMethod.body())).containsEntry("error", "method_not_allowed");
    }

    @Test
    void oversizedControlBodyIs413() throws Exception {
        HttpResponse<String> response = send("PUT", "/fault", "{\"mode\":\"" + "x".repeat(70_000) + "\"}");

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(JsonText.parseObject(response.body())).containsEntry("error", "too_large");
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.BodyPublisher publisher = body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body);
        return client.send(HttpRequest.newBuilder(gateway.controlUri().resolve(path))
                .timeout(Duration.ofSeconds(5))
                .method(method, publisher).build(), BodyHandlers.ofString());
    }
}
