package dev.meridian.router.admin;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meridian.testing.LeakDetectionExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.jspecify.annotations.Nullable;

/**
 * Fuzzes the admin API over real sockets with structure-aware inputs: JSON bodies for
 * {@code PUT /admin/regions/{name}/weight} and {@code POST .../drain|undrain} built valid and then
 * broken on purpose (wrong types, huge and fractional numbers, nested objects, duplicate keys,
 * trailing garbage, invalid UTF-8, empty bodies, deep nesting, huge strings) or mutated byte by
 * byte; region names in the path with percent-encoding (valid and broken), dots, slashes and
 * unicode; {@code GET /admin/explain} query strings with malformed values, repeated keys, keys
 * without {@code =} and broken escapes. The requests are written byte for byte on a raw socket (the
 * JDK client refuses some of them), and for every one:
 * <ul>
 *   <li>the answer is 2xx when the generator built a valid request, 4xx when it broke it on
 *       purpose, and never 5xx; a 4xx has a JSON body {@code {"error": CODE, "detail": ...}} without
 *       a stack trace or a Java class name;</li>
 *   <li>the connection is still usable afterwards (a {@code GET /healthz} on it answers), or the
 *       answer said {@code Connection: close} and the server then closed it;</li>
 *   <li>a refused write changes nothing (revision, weights and drains of {@code GET /admin/regions}
 *       are as before); an accepted one did what it said.</li>
 * </ul>
 * Tries: {@code jqwik.tries.default}; see src/docs/fuzzing.md.
 */
class AdminApiFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> REGIONS = List.of("us-east4", "us-east1", "europe-west2");
    /** admin.max-request-body's default: larger bodies are answered with 413. */
    private static final int MAX_BODY = 16 * 1024;
    /** A Java class name ({@code java.lang.X}, {@code SomeClass.method()}), an exception name, a stack frame. */
    private static final Pattern LEAKED_INTERNALS = Pattern.compile(
            "\\b(java|javax|jdk|sun|com|io|org|net|reactor|dev)\\.[a-z]+\\.|[A-Z][A-Za-z]+\\.[a-z][A-Za-z]*\\(\\)"
                    + "|[A-Z][A-Za-z]+\\.[A-Z][A-Z_]{2,}\\b|[A-Za-z]*(Exception|Error)\\b|\\tat |\\bat [a-z]+\\.");

    private static @Nullable Path dir;
    private static @Nullable AdminFixture admin;

    @BeforeContainer
    static void start() throws IOException {
        LeakDetectionExtension.collectLeaks(); // installs the recording leak detector before any buffer exists
        dir = Files.createTempDirectory("admin-fuzz");
        admin = AdminFixture.start(dir);
    }

    @AfterContainer
    static void stop() throws IOException {
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            if (dir != null) {
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
        assertThat(LeakDetectionExtension.collectLeaks()).as("Netty leaks").isEmpty();
    }

    // ---- properties --------------------------------------------------------------------------

    /** 150 tries, not the default: each try is up to four exchanges and a state file write. */
    @Property(tries = 150, shrinking = ShrinkingMode.BOUNDED)
    void aWeightBodyIsAppliedWhenValidAndChangesNothingOtherwise(
            @ForAll("weightBodies") Body body, @ForAll("regionNames") String region) throws IOException {
        Statistics.label("body").collect(body.kind());
        Snapshot before = snapshot();

        Response response = exchange("PUT", "/admin/regions/" + region + "/weight", body.bytes());

        Statistics.label("status").collect(response.status());
        expect(response, body, "PUT weight " + body);
        if (response.status() / 100 == 2) {
            JsonNode after = fixture().regions();
            int weight = AdminFixture.region(after, region).path("weightOverride").asInt(-1);
            if (body.weight() != null) {
                assertThat(weight).as("weight of %s after %s", region, body).isEqualTo(body.weight());
            }
            assertThat(weight).isBetween(0, 1000);
        } else {
            assertThat(snapshot()).as("state after refused %s", body).isEqualTo(before);
        }
    }

    /** 150 tries, not the default: each try is up to four exchanges and a state file write. */
    @Property(tries = 150, shrinking = ShrinkingMode.BOUNDED)
    void aDrainBodyIsAppliedWhenValidAndChangesNothingOtherwise(
            @ForAll("drainBodies") Body body, @ForAll("regionNames") String region, @ForAll boolean drain)
            throws IOException {
        Statistics.label("body").collect(body.kind());
        Snapshot before = snapshot();

        Response response = exchange("POST", "/admin/regions/" + region + (drain ? "/drain" : "/undrain"), body.bytes());

        Statistics.label("status").collect(response.status());
        expect(response, body, (drain ? "drain " : "undrain ") + body);
        if (response.status() / 100 == 2) {
            assertThat(AdminFixture.region(fixture().regions(), region).path("state").asText())
                    .isEqualTo(drain ? "drained" : "active");
        } else {
            assertThat(snapshot()).as("state after refused %s", body).isEqualTo(before);
        }
    }

    @Property(shrinking = ShrinkingMode.BOUNDED)
    void aRegionNameInThePathIsDecodedOnceAndUnknownNamesAreNotFound(@ForAll("encodedNames") EncodedName name)
            throws IOException {
        Snapshot before = snapshot();
        int weight = Math.floorMod(name.raw().hashCode(), 1001);

        Response response = exchange("PUT", "/admin/regions/" + name.raw() + "/weight",
                ("{\"weight\": " + weight + "}").getBytes(UTF_8));

        Statistics.label("status").collect(response.status());
        String what = "PUT /admin/regions/" + name.raw() + "/weight";
        checkWellFormed(response, what);
        if (name.badEscape()) {
            assertThat(response.status()).as(what).isEqualTo(400);
        } else if (REGIONS.contains(name.decoded())) {
            assertThat(response.status()).as(what).isEqualTo(200);
            assertThat(AdminFixture.region(fixture().regions(), name.decoded()).path("weightOverride").asInt())
                    .isEqualTo(weight);
            return;
        } else if (name.certain()) {
            assertThat(response.status()).as(what).isEqualTo(404);
        } else {
            assertThat(response.status()).as(what).isIn(400, 404);
        }
        assertThat(snapshot()).as("state after %s", what).isEqualTo(before);
    }

    @Property(shrinking = ShrinkingMode.BOUNDED)
    void explainAnswersValidQueriesAndRefusesBrokenOnes(@ForAll("explainQueries") Query query) throws IOException {
        Statistics.label("query").collect(query.valid() == null ? "unknown" : query.valid() ? "valid" : "invalid");

        Response response = exchange("GET", "/admin/explain?" + query.text(), null);

        Statistics.label("status").collect(response.status());
        String what = "GET /admin/explain?" + query.text();
        checkWellFormed(response, what);
        if (query.valid() == null) {
            assertThat(response.status()).as(what).isIn(200, 400);
        } else {
            assertThat(response.status()).as(what).isEqualTo(query.valid() ? 200 : 400);
        }
        if (response.status() == 200) {
            assertThat(response.json().isObject()).as(what).isTrue();
        }
    }

    // ---- regressions found by the properties above -------------------------------------------

    @Example
    void aBrokenPercentEscapeInTheRegionNameIsABadRequest() throws IOException {
        Snapshot before = snapshot();

        Response response = exchange("PUT", "/admin/regions/%z1/weight", "{\"weight\": 5}".getBytes(UTF_8));

        checkWellFormed(response, "PUT /admin/regions/%z1/weight");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().path("error").asText()).isEqualTo("invalid_uri");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Example
    void aBrokenPercentEscapeInTheExplainQueryIsABadRequest() throws IOException {
        Response response = exchange("GET", "/admin/explain?ip=%zz&ip=203.0.113.7&lat=0&lon=0", null);

        checkWellFormed(response, "GET /admin/explain?ip=%zz...");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().path("error").asText()).isEqualTo("invalid_uri");
    }

    @Example
    void anUnfinishedJsonBodyIsRefusedWithoutNamingJacksonsClasses() throws IOException {
        Response response = exchange("POST", "/admin/regions/us-east4/drain", "{".getBytes(UTF_8));

        checkWellFormed(response, "drain {");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().path("detail").asText())
                .isEqualTo("the body is not valid JSON: Unexpected end-of-input: expected close marker for Object "
                        + "(start marker at line 1, column 1) at line 1, column 2")
                .doesNotContain("StreamReadFeature", "Source");
    }

    @Example
    void trailingTokensNaNAndDeepNestingAreRefusedWithoutNamingJacksonsSettings() throws IOException {
        for (String body : List.of("{\"reason\": null}{}", "{\"weight\": NaN}", "[".repeat(1001) + "]".repeat(1001),
                "{\"weight\": 1" + "0".repeat(1200) + "}")) {
            Response response = exchange("PUT", "/admin/regions/us-east4/weight", body.getBytes(UTF_8));

            checkWellFormed(response, body.length() > 40 ? body.substring(0, 40) + "..." : body);
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.text()).doesNotContain("`", "Feature", "Constraints", "fasterxml");
        }
    }

    @Example
    void aBodyOverTheLimitIsAnsweredWith413BeforeTheConnectionCloses() throws IOException {
        byte[] body = ("{\"weight\": 5, \"reason\": \"" + "r".repeat(16_364) + "\"}").getBytes(UTF_8);

        Response response = exchange("PUT", "/admin/regions/us-east4/weight", body);

        checkWellFormed(response, "a body of " + body.length + " bytes");
        assertThat(response.status()).isEqualTo(413);
        assertThat(response.header("connection")).isEqualTo("close");
    }

    // ---- checks ------------------------------------------------------------------------------

    private static void expect(Response response, Body body, String what) throws IOException {
        checkWellFormed(response, what);
        if (body.bytes() != null && body.bytes().length > MAX_BODY) {
            assertThat(response.status()).as(what).isEqualTo(413);
        } else if (body.weight() != null || body.valid() == Boolean.TRUE) {
            assertThat(response.status()).as(what).isEqualTo(200);
        } else if (body.valid() == Boolean.FALSE) {
            assertThat(response.status()).as(what).isEqualTo(400);
        } else {
            assertThat(response.status()).as(what).isIn(200, 400);
        }
    }

    /** Never 5xx; errors are JSON with a code and a detail and nothing of the server's insides. */
    private static void checkWellFormed(Response response, String what) throws IOException {
        assertThat(response.status()).as("status for %s: %s", what, response.text()).isBetween(200, 499);
        assertThat(response.header("content-type")).as(what).startsWith("application/json");
        assertThat(LEAKED_INTERNALS.matcher(response.text()).find())
                .as("server internals in the answer to %s: %s", what, response.text()).isFalse();
        JsonNode json = response.json();
        if (response.status() >= 400) {
            assertThat(json.path("error").isTextual()).as("error code for %s: %s", what, response.text()).isTrue();
            assertThat(json.path("error").asText()).matches("[a-z_]+");
            assertThat(json.path("detail").isTextual()).as("detail for %s: %s", what, response.text()).isTrue();
        }
    }

    private static AdminFixture fixture() {
        AdminFixture a = admin;
        assertThat(a).isNotNull();
        return a;
    }

    /** What refused requests must not change. */
    record Snapshot(long revision, Map<String, String> regions) {}

    private static Snapshot snapshot() {
        JsonNode regions = fixture().regions();
        Map<String, String> state = new LinkedHashMap<>();
        for (JsonNode r : regions.path("regions")) {
            state.put(r.path("name").asText(), r.path("state").asText() + " " + r.path("weightOverride"));
        }
        return new Snapshot(regions.path("revision").asLong(), state);
    }

    /**
     * Sends one request on a new connection with the write token, reads the answer, and checks
     * the connection afterwards: usable for a {@code GET /healthz}, or closed after
     * {@code Connection: close}.
     */
    private static Response exchange(String method, String target, byte @Nullable [] body) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), fixture().admin.address().getPort())) {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.writeBytes((method + " ").getBytes(UTF_8));
            request.writeBytes(target.getBytes(UTF_8)); // raw: unicode goes as its UTF-8 bytes
            request.writeBytes((" HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + AdminFixture.WRITE_TOKEN
                    + "\r\n").getBytes(ISO_8859_1));
            if (body != null) {
                request.writeBytes(("Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n")
                        .getBytes(ISO_8859_1));
            }
            request.writeBytes("\r\n".getBytes(ISO_8859_1));
            if (body != null) {
                request.writeBytes(body);
            }
            try {
                out.write(request.toByteArray());
                out.flush();
            } catch (SocketException e) {
                // the server may answer (413) and close before a large body is written
            }
            Response response = Response.read(in);
            assertThat(response).as("an answer to %s %s", method, target).isNotNull();
            if ("close".equalsIgnoreCase(response.header("connection"))) {
                int end = readToEnd(in);
                if (response.status() == 413) {
                    // The unread body makes the close a reset (no lingering close, see the report); the answer got through.
                    assertThat(end).as("the connection closes after a 413").isIn(-1, -2);
                } else {
                    assertThat(end).as("the connection closes cleanly after Connection: close").isEqualTo(-1);
                }
                Statistics.label("connection").collect(end == -1 ? "closed" : "reset");
            } else {
                out.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(ISO_8859_1));
                out.flush();
                Response next = Response.read(in);
                assertThat(next).as("the connection is usable after %s %s", method, target).isNotNull();
                assertThat(next.status()).isEqualTo(200);
                Statistics.label("connection").collect("reused");
            }
            return response;
        }
    }

    /** -1 for a clean close with nothing after the answer, the next byte otherwise, -2 for a reset. */
    private static int readToEnd(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (SocketException e) {
            return -2;
        }
    }

    /** One HTTP/1.1 answer with a Content-Length (what the admin API always sends). */
    record Response(int status, Map<String, String> headers, byte[] body) {

        static @Nullable Response read(InputStream in) throws IOException {
            String statusLine = line(in);
            if (statusLine == null) {
                return null;
            }
            assertThat(statusLine).matches("HTTP/1\\.1 \\d{3} .*");
            int status = Integer.parseInt(statusLine.substring(9, 12));
            Map<String, String> headers = new LinkedHashMap<>();
            String line;
            while ((line = line(in)) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
            }
            assertThat(headers).as("headers of a %d", status).containsKey("content-length");
            byte[] body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            return new Response(status, headers, body);
        }

        private static @Nullable String line(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (b != '\r') {
                    line.write(b);
                }
            }
            return b < 0 && line.size() == 0 ? null : line.toString(ISO_8859_1);
        }

        String header(String name) {
            return headers.getOrDefault(name, "");
        }

        String text() {
            return new String(body, UTF_8);
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    // ---- bodies ------------------------------------------------------------------------------

    /**
     * A request body and what it should get: {@code weight} non-null for a valid weight body;
     * {@code valid} true or false when the generator knows, {@code null} after random mutation.
     */
    record Body(String kind, byte @Nullable [] bytes, @Nullable Integer weight, @Nullable Boolean valid) {

        static Body accepted(String kind, String json) {
            return new Body(kind, json.getBytes(UTF_8), null, true);
        }

        static Body refused(String kind, String json) {
            return refused(kind, json.getBytes(UTF_8));
        }

        static Body refused(String kind, byte[] bytes) {
            return new Body(kind, bytes, null, false);
        }

        @Override
        public String toString() {
            if (bytes == null) {
                return kind + " (no body)";
            }
            String text = new String(bytes, 0, Math.min(bytes.length, 300), ISO_8859_1);
            return kind + " " + escape(text) + (bytes.length > 300 ? "... (" + bytes.length + " bytes)" : "");
        }
    }

    @Provide
    Arbitrary<String> regionNames() {
        return Arbitraries.of(REGIONS);
    }

    @Provide
    Arbitrary<Body> weightBodies() {
        Arbitrary<Integer> weight = Arbitraries.integers().between(0, 1000);
        Arbitrary<String> space = Arbitraries.of("", " ", "\n", "\t ", "\r\n  ");
        Arbitrary<Body> valid = Combinators.combine(weight, space, reasons(), Arbitraries.of(true, false))
                .as((w, s, reason, weightFirst) -> {
                    String pair = "\"weight\":" + s + w;
                    String json = reason == null ? "{" + s + pair + s + "}"
                            : weightFirst ? "{" + pair + "," + s + "\"reason\": " + reason + "}"
                            : "{\"reason\": " + reason + "," + s + pair + "}";
                    return new Body("valid", json.getBytes(UTF_8), w, true);
                });
        Arbitrary<Body> wrongValue = Arbitraries.of(
                "-1", "1001", "2147483648", "-2147483649", "9223372036854775808", "1" + "0".repeat(40), "1.5", "1.0",
                "1e2", "0.0", "-0.5", "NaN", "Infinity", "0x10", "\"5\"", "true", "null", "[]", "[5]", "{}",
                "{\"weight\": 5}", "05", "+5", "5 5", "'5'", "1" + "0".repeat(1200))
                .map(v -> Body.refused("weight " + (v.length() > 20 ? v.substring(0, 20) + "..." : v),
                        "{\"weight\": " + v + "}"));
        Arbitrary<Body> wrongShape = Arbitraries.of(
                        "", " ", "\r\n", "{}", "[]", "null", "5", "\"weight\"", "{\"reason\": \"x\"}",
                        "{\"weight\": 5, \"x\": 1}", "{\"weight\": 5, \"weight\": 6}", "{\"weight\": 5, \"weight\": 5}",
                        "{\"weight\": 5}x", "{\"weight\": 5}{}", "{\"weight\": 5},", "{\"weight\": 5}]", "{\"weight\": 5",
                        "{\"weight\": 5,}", "{'weight': 5}", "{weight: 5}", "{\"weight\": 5 /* c */}",
                        "// c\n{\"weight\": 5}", "{\"weight\": 5, \"reason\": 5}", "{\"weight\": 5, \"reason\": {}}",
                        "{\"weight\": 5, \"reason\": \"" + "r".repeat(501) + "\"}", "[{\"weight\": 5}]",
                        "{\"weight\": 5}\u0000", "{\"weight\": 5, \"reason\": \"\\ud800\"}", "{\"\": 5}",
                        "{\"weight\": 5, \"reason\": \"a\\u0000b\"}")
                .map(json -> json.startsWith("{\"weight\": 5, \"reason\": \"\\ud800")
                        || json.startsWith("{\"weight\": 5, \"reason\": \"a\\u0000")
                        ? new Body("shape", json.getBytes(UTF_8), null, null) // lone surrogate, NUL: either answer
                        : Body.refused("shape", json));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, valid),
                net.jqwik.api.Tuple.of(3, wrongValue),
                net.jqwik.api.Tuple.of(3, wrongShape),
                net.jqwik.api.Tuple.of(3, broken(valid)),
                net.jqwik.api.Tuple.of(3, mutated(valid)),
                net.jqwik.api.Tuple.of(1, hugeBodies()));
    }

    @Provide
    Arbitrary<Body> drainBodies() {
        Arbitrary<Body> valid = Arbitraries.oneOf(
                Arbitraries.just(new Body("none", null, null, true)),
                Arbitraries.of("", " ", "\r\n", "{}", "{\"reason\": null}").map(json -> Body.accepted("empty", json)),
                reasons().filter(r -> r != null).map(r -> Body.accepted("reason", "{\"reason\": " + r + "}")));
        Arbitrary<Body> wrong = Arbitraries.of("[]", "null", "5", "\"drain\"", "{\"weight\": 5}", "{\"reason\": 5}",
                        "{\"reason\": []}", "{\"reason\": \"x\", \"reason\": \"y\"}", "{\"reason\": \"x\"}x", "{",
                        "{\"reason\": \"" + "r".repeat(501) + "\"}", "{\"x\": 1}")
                .map(json -> Body.refused("wrong", json));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, valid),
                net.jqwik.api.Tuple.of(2, wrong),
                net.jqwik.api.Tuple.of(2, broken(valid.filter(b -> b.bytes() != null && b.bytes().length > 2))),
                net.jqwik.api.Tuple.of(2, mutated(valid.filter(b -> b.bytes() != null && b.bytes().length > 0))));
    }

    /** A JSON reason value (quoted), or {@code null} for none: unicode, escapes, up to the limit. */
    private static Arbitrary<@Nullable String> reasons() {
        Arbitrary<String> text = Arbitraries.oneOf(
                Arbitraries.strings().withCharRange(' ', '~').excludeChars('"', '\\').ofMaxLength(40),
                Arbitraries.strings().withCharRange('\u00a0', '\u30ff').ofMaxLength(20),
                Arbitraries.of("\\\"quoted\\\"", "tab\\there", "\\u00e9t\\u00e9", "\uD83D\uDE80 launch", "r".repeat(500)));
        return text.map(t -> "\"" + t + "\"").injectNull(0.33);
    }

    /** Valid bodies broken in a way that always makes them invalid. */
    private static Arbitrary<Body> broken(Arbitrary<Body> valid) {
        Arbitrary<Integer> depth = Arbitraries.oneOf(Arbitraries.integers().between(2, 50),
                Arbitraries.integers().between(990, 1010), Arbitraries.integers().between(1011, 6000));
        return Combinators.combine(valid, Arbitraries.integers().between(0, 7), depth).as((body, how, d) -> {
            byte[] b = body.bytes();
            String json = new String(b, UTF_8);
            return switch (how) {
                case 0 -> Body.refused("trailing garbage", json + List.of("x", "}", "]", ",", "{}", "null", "\"").get(d % 7));
                case 1 -> Body.refused("nested " + d, "{\"weight\": " + "[".repeat(d) + "1" + "]".repeat(d) + "}");
                case 2 -> Body.refused("deep " + d, "[".repeat(d) + "]".repeat(d));
                case 3 -> Body.refused("deep object " + d, "{\"a\":".repeat(d) + "1" + "}".repeat(d));
                case 4 -> Body.refused("invalid UTF-8", concat(new byte[] {(byte) 0xff, (byte) 0xfe}, b));
                case 5 -> {
                    int quote = json.indexOf('"');
                    yield Body.refused("invalid UTF-8 in a key", concat(slice(b, 0, quote + 1),
                            new byte[] {(byte) 0xc3, (byte) 0x28}, slice(b, quote + 1, b.length)));
                }
                case 6 -> Body.refused("huge key " + d * 5, "{\"" + "k".repeat(d * 5) + "\": 1}");
                default -> Body.refused("truncated", slice(b, 0, Math.max(0, json.lastIndexOf('}'))));
            };
        });
    }

    /** Bodies around the size limit: over it answered with 413 and a closed connection, under it with 400 (reason too long). */
    private static Arbitrary<Body> hugeBodies() {
        return Arbitraries.integers().between(MAX_BODY - 20, MAX_BODY + 20_000)
                .map(n -> Body.refused("huge " + n, "{\"weight\": 5, \"reason\": \"" + "r".repeat(n) + "\"}"));
    }

    /** Valid bodies with random bytes flipped, inserted, deleted or cut off: valid or not, nobody knows. */
    private static Arbitrary<Body> mutated(Arbitrary<Body> valid) {
        return Combinators.combine(valid, Arbitraries.longs().list().ofMinSize(1).ofMaxSize(4)).as((body, seeds) -> {
            byte[] b = body.bytes();
            for (long seed : seeds) {
                Random random = new Random(seed);
                int at = b.length == 0 ? 0 : random.nextInt(b.length);
                byte any = (byte) random.nextInt(256);
                b = switch (random.nextInt(4)) {
                    case 0 -> b.length == 0 ? b : replace(b, at, any);
                    case 1 -> concat(slice(b, 0, at), new byte[] {any}, slice(b, at, b.length));
                    case 2 -> b.length == 0 ? b : concat(slice(b, 0, at), slice(b, at + 1, b.length));
                    default -> slice(b, 0, at);
                };
            }
            return new Body("mutated", b, null, null);
        });
    }

    // ---- region names ------------------------------------------------------------------------

    /**
     * A region name as written in the path and as the server should see it after percent-decoding.
     * {@code badEscape}: a broken {@code %} escape (400); {@code certain}: false when the decoding
     * of the name is up to the server (invalid UTF-8 after decoding).
     */
    record EncodedName(String raw, String decoded, boolean badEscape, boolean certain) {}

    @Provide
    Arbitrary<EncodedName> encodedNames() {
        Arbitrary<EncodedName> literal = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789-._~+!$&'()*,;=:@")
                .ofMinLength(1).ofMaxLength(6).map(s -> new EncodedName(s, s, false, true));
        Arbitrary<EncodedName> region = Arbitraries.of(REGIONS).map(s -> new EncodedName(s, s, false, true));
        Arbitrary<EncodedName> encodedRegion = Combinators.combine(Arbitraries.of(REGIONS), Arbitraries.longs())
                .as((s, seed) -> {
                    Random random = new Random(seed);
                    StringBuilder raw = new StringBuilder();
                    for (char c : s.toCharArray()) {
                        raw.append(random.nextBoolean() ? String.valueOf(c) : percent(String.valueOf(c), random.nextBoolean()));
                    }
                    return new EncodedName(raw.toString(), s, false, true);
                });
        Arbitrary<EncodedName> encodedAny = Arbitraries.strings().withCharRange(' ', '\u30ff').ofMinLength(1).ofMaxLength(4)
                .map(s -> new EncodedName(percent(s, true), s, false, true));
        Arbitrary<EncodedName> special = Arbitraries.of(
                new EncodedName(".", ".", false, true), new EncodedName("..", "..", false, true),
                new EncodedName("%2F", "/", false, true), new EncodedName("%2f", "/", false, true),
                new EncodedName("/", "/", false, true), new EncodedName("%2e%2e", "..", false, true),
                new EncodedName("%00", "\0", false, true), new EncodedName("%20", " ", false, true),
                new EncodedName("%3F", "?", false, true), new EncodedName("%23", "#", false, true),
                new EncodedName("%25", "%", false, true), new EncodedName("%z1", "", true, true),
                new EncodedName("%GG", "", true, true), new EncodedName("%%", "", true, true),
                new EncodedName("%-1", "", true, true),
                new EncodedName("%FF", "\uFFFD", false, false), new EncodedName("%C3%28", "\uFFFD(", false, false),
                new EncodedName("\u00fc", "\u00c3\u00bc", false, false), new EncodedName("\u6771", "?", false, false));
        Arbitrary<EncodedName> piece = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, literal), net.jqwik.api.Tuple.of(3, region),
                net.jqwik.api.Tuple.of(3, encodedRegion), net.jqwik.api.Tuple.of(2, encodedAny),
                net.jqwik.api.Tuple.of(3, special));
        return piece.list().ofMinSize(1).ofMaxSize(3).map(pieces -> {
            StringBuilder raw = new StringBuilder();
            StringBuilder decoded = new StringBuilder();
            boolean bad = false;
            boolean certain = true;
            for (EncodedName p : pieces) {
                raw.append(p.raw());
                decoded.append(p.decoded());
                bad |= p.badEscape();
                certain &= p.certain();
            }
            return new EncodedName(raw.toString(), decoded.toString(), bad, certain);
        });
    }

    private static String percent(String s, boolean upper) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(UTF_8)) {
            String hex = HexFormat.of().toHexDigits(b);
            out.append('%').append(upper ? hex.toUpperCase(Locale.ROOT) : hex);
        }
        return out.toString();
    }

    // ---- explain queries ---------------------------------------------------------------------

    /** A query string and whether explain should answer it: true 200, false 400, null either. */
    record Query(String text, @Nullable Boolean valid) {}

    /** One {@code key=value} part: its text and what it does to the validity of the whole. */
    private record Part(String key, String text, Effect effect) {}

    private enum Effect { VALID, INVALID, UNKNOWN }

    @Provide
    Arbitrary<Query> explainQueries() {
        Arbitrary<String> goodIp = Arbitraries.of("203.0.113.7", "10.0.0.1", "::1", "2001:db8::1", "127.0.0.1",
                "%3A%3A1", "10%2E0.0.1", "0.0.0.0");
        Arbitrary<String> badIp = Arbitraries.of("", "999.1.1.1", "abc", "1.2.3", "::g", "203.0.113.7:80", "1.2.3.4.5",
                "%zz", "10.0.0.1%", "localhost", "1.2.3.4%00");
        Arbitrary<String> goodDegrees = Arbitraries.of("0", "48.86", "-77.49", "1e1", "-0", "89.999", "%2D12.5");
        Arbitrary<String> badDegrees = Arbitraries.of("", "abc", "NaN", "Infinity", "1e999", "91", "-180.5", "1,5",
                "%", "%4", "1.2.3", "--1");
        Arbitrary<String> goodPath = Arbitraries.of("/", "/api/v4/projects", "%2Fencoded", "/a%20b", "/%E2%82%AC",
                "/a+b", "//double", "/..");
        Arbitrary<String> badPath = Arbitraries.of("", "api", "%zz", "x/", "%2", "http://x/");
        Arbitrary<String> tenant = Arbitraries.oneOf(
                Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789-_.~").ofMaxLength(12),
                Arbitraries.strings().withCharRange('\u00a0', '\u30ff').ofMaxLength(4).map(s -> percent(s, true)),
                Arbitraries.of("a+b", "%20", ""));
        Arbitrary<Boolean> withLocation = Arbitraries.of(true, false);
        Arbitrary<List<Part>> base = Combinators.combine(goodIp, withLocation, goodDegrees, goodDegrees,
                        goodPath.injectNull(0.5), tenant.injectNull(0.5))
                .as((ip, located, lat, lon, path, t) -> {
                    List<Part> parts = new ArrayList<>();
                    parts.add(new Part("ip", "ip=" + ip, Effect.VALID));
                    if (located) {
                        parts.add(new Part("lat", "lat=" + lat, Effect.VALID));
                        parts.add(new Part("lon", "lon=" + lon, Effect.VALID));
                    }
                    if (path != null) {
                        parts.add(new Part("path", "path=" + path, Effect.VALID));
                    }
                    if (t != null) {
                        parts.add(new Part("tenant", "tenant=" + t, Effect.VALID));
                    }
                    return parts;
                });
        Arbitrary<Part> defect = Arbitraries.oneOf(
                badIp.map(v -> new Part("ip", "ip=" + v, Effect.INVALID)),
                badDegrees.map(v -> new Part("lat", "lat=" + v, Effect.INVALID)),
                badDegrees.map(v -> new Part("lon", "lon=" + v, Effect.INVALID)),
                badPath.map(v -> new Part("path", "path=" + v, Effect.INVALID)),
                Arbitraries.of("ip", "lat", "lon", "path").map(k -> new Part(k, k, Effect.INVALID)), // no '='
                Arbitraries.of("x=1", "IP=1.2.3.4", "ip%=1", "%zz=1", "dry_run=true", "i%70=1", "ip%20=1")
                        .map(t -> new Part("?", t, t.equals("i%70=1") ? Effect.UNKNOWN : Effect.INVALID)),
                Arbitraries.of("tenant=%", "tenant=%zz", "tenant=%e2%82").map(t -> new Part("tenant", t,
                        t.equals("tenant=%e2%82") ? Effect.UNKNOWN : Effect.INVALID)));
        Arbitrary<String> separators = Arbitraries.of("&", "&", "&", "&&");
        return Combinators.combine(base, defect.list().ofMaxSize(2), Arbitraries.integers().between(0, 3),
                        Arbitraries.longs(), separators)
                .as((parts, defects, repeats, seed, separator) -> {
                    List<Part> all = new ArrayList<>(parts);
                    all.addAll(defects);
                    Random random = new Random(seed);
                    boolean repeated = false;
                    for (int i = 0; i < repeats && i < parts.size() && random.nextInt(3) == 0; i++) {
                        Part p = parts.get(random.nextInt(parts.size()));
                        all.add(p); // the same key twice
                        repeated = true;
                    }
                    java.util.Collections.shuffle(all, random);
                    boolean anyInvalid = repeated || all.stream().anyMatch(p -> p.effect() == Effect.INVALID);
                    boolean anyUnknown = all.stream().anyMatch(p -> p.effect() == Effect.UNKNOWN);
                    // ip present exactly once, lat with lon: a defect replacing ip or adding a second ip is invalid anyway
                    long lats = all.stream().filter(p -> p.key().equals("lat")).count();
                    long lons = all.stream().filter(p -> p.key().equals("lon")).count();
                    anyInvalid |= lats != lons || all.stream().filter(p -> p.key().equals("ip")).count() != 1;
                    String text = String.join(separator, all.stream().map(Part::text).toList());
                    return new Query(text, anyInvalid ? Boolean.FALSE : anyUnknown ? null : Boolean.TRUE);
                });
    }

    // ---- bytes -------------------------------------------------------------------------------

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, Math.min(from, b.length), Math.min(Math.max(from, to), b.length));
    }

    private static byte[] replace(byte[] b, int at, byte value) {
        byte[] out = b.clone();
        out[at] = value;
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            out.append(c < ' ' || c > '~' ? String.format("\\x%02x", (int) c & 0xff) : String.valueOf(c));
        }
        return out.toString();
    }
}
