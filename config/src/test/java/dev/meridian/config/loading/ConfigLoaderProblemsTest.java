package dev.meridian.config.loading;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * One test per class of bad input, each asserting the exact {@code FILE:LINE:COL: message} lines
 * a user sees.
 */
class ConfigLoaderProblemsTest {

    private static final String REGIONS = """
            regions:
              - name: us-east4
                endpoints: ["http://10.1.0.5:5052"]
            """;

    private static final ConfigLoader LOADER = ConfigLoader.create().withEnvironment(Map.of("PRESENT", "yes"));

    private static List<String> problems(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> LOADER.parse(yaml, "m.yaml"));
        assertThat(e).as("expected the config to be rejected").isNotNull();
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void unknownKeyInsideAListItemNamesTheItem() {
        assertThat(problems("""
                regions:
                  - name: us-east4
                    endpoint: ["http://10.1.0.5:5052"]
                """)).containsExactly(
                "m.yaml:2:5: regions[0].endpoints: required key is missing",
                "m.yaml:3:5: regions[0].endpoint: unknown key (did you mean 'endpoints'?)");
    }

    @Test
    void badDurationNamesTheKeyAndTheExpectedSyntax() {
        assertThat(problems("""
                routes:
                  - name: completions
                    path-prefix: /v2/code/completions
                    timeouts: {first-byte: '10 seconds', total: 1m30s, idle: 1.5s}
                """ + REGIONS)).containsExactly(
                "m.yaml:4:28: routes[0].timeouts.first-byte: '10 seconds' is not a duration (expected e.g. 250ms, 2s, 1m)",
                "m.yaml:4:49: routes[0].timeouts.total: '1m30s' is not a duration (expected e.g. 250ms, 2s, 1m)",
                "m.yaml:4:62: routes[0].timeouts.idle: '1.5s' is not a duration (expected e.g. 250ms, 2s, 1m)");
    }

    @Test
    void badSizeIsRefusedWithTheAcceptedUnits() {
        assertThat(problems("""
                server:
                  max-request-body: 16MB
                  max-header-size: 0
                  max-initial-line-length: 4GiB
                """ + REGIONS)).containsExactly(
                "m.yaml:2:21: server.max-request-body: '16MB' is not a size (expected bytes, or e.g. 8KiB, 16MiB, 1GiB)",
                "m.yaml:3:20: server.max-header-size: 0 is too small (expected at least 1 byte)",
                "m.yaml:4:28: server.max-initial-line-length: '4GiB' is too large (expected at most 2147483647 bytes)");
    }

    @Test
    void endpointWithAnotherSchemeIsNotAnHttpUrl() {
        assertThat(problems("""
                regions:
                  - name: us-east4
                    endpoints: ["http://10.1.0.5:5052"]
                  - name: europe-west2
                    endpoints: ["ftp://x"]
                """)).containsExactly(
                "m.yaml:5:17: regions[1].endpoints[0]: 'ftp://x' is not an http(s) URL (expected e.g. http://10.1.0.5:5052)");
    }

    @Test
    void endpointWithoutHostIsRefused() {
        assertThat(problems("""
                regions:
                  - name: us-east4
                    endpoints: ["http:///gateway", "http://under_score:5052"]
                """)).containsExactly(
                "m.yaml:3:17: regions[0].endpoints[0]: 'http:///gateway' has no host (expected e.g. http://10.1.0.5:5052)",
                "m.yaml:3:36: regions[0].endpoints[1]: 'http://under_score:5052' has an invalid host 'under_score:5052' "
                        + "(expected a host name or IP address, e.g. http://10.1.0.5:5052)");
    }

    @Test
    void endpointWithPathQueryOrCredentialsIsRefusedWithoutEchoingCredentials() {
        assertThat(problems("""
                regions:
                  - name: us-east4
                    endpoints:
                      - http://10.1.0.5:5052/v2
                      - http://10.1.0.6:5052/?debug=1
                      - https://admin:hunter2@10.1.0.7
                """)).containsExactly(
                "m.yaml:4:9: regions[0].endpoints[0]: 'http://10.1.0.5:5052/v2' has a path '/v2' (expected no path, e.g. http://10.1.0.5:5052)",
                "m.yaml:5:9: regions[0].endpoints[1]: 'http://10.1.0.6:5052/?debug=1' has a query (expected no query, e.g. http://10.1.0.5:5052)",
                "m.yaml:6:9: regions[0].endpoints[2]: 'https://***@10.1.0.7' has user info (expected no credentials, e.g. http://10.1.0.5:5052)");
    }

    @Test
    void duplicateRegionNameIsReportedAtTheSecondOccurrence() {
        assertThat(problems("""
                regions:
                  - name: us-east4
                    endpoints: ["http://10.1.0.5:5052"]
                  - name: us-east4
                    endpoints: ["http://10.2.0.5:5052"]
                """)).containsExactly(
                "m.yaml:4:11: regions[1].name: duplicate region name 'us-east4' (first used at regions[0].name, line 2)");
    }

    @Test
    void duplicateEndpointIsReportedEvenAcrossRegionsAndSpellings() {
        assertThat(problems("""
                regions:
                  - name: us-east4
                    endpoints: ["http://10.1.0.5:80"]
                  - name: europe-west2
                    endpoints: ["HTTP://10.1.0.5/"]
                """)).containsExactly(
                "m.yaml:5:17: regions[1].endpoints[0]: duplicate endpoint 'HTTP://10.1.0.5/' (first listed at regions[0].endpoints[0], line 3)");
    }

    @Test
    void emptyEndpointListIsRefused() {
        assertThat(problems("""
                regions:
                  - name: us-east4
                    endpoints: []
                """)).containsExactly(
                "m.yaml:3:16: regions[0].endpoints: empty list (expected at least one endpoint, e.g. http://10.1.0.5:5052)");
    }

    @Test
    void unsetEnvironmentVariableIsReportedAtTheScalarAndNothingElseIsSaidAboutIt() {
        assertThat(problems("""
                admin:
                  tokens: [{name: sre, token: "${MERIDIAN_ADMIN_TOKEN}"}]
                listen:
                  port: ${PORT}
                """ + REGIONS)).containsExactly(
                "m.yaml:2:31: admin.tokens[0].token: environment variable MERIDIAN_ADMIN_TOKEN is not set",
                "m.yaml:4:9: listen.port: environment variable PORT is not set");
    }

    @Test
    void weightOutOfRangeIsRefused() {
        assertThat(problems("""
                regions:
                  - name: us-east4
                    weight: 1001
                    endpoints: ["http://10.1.0.5:5052"]
                  - name: europe-west2
                    weight: -1
                    endpoints: ["http://10.2.0.5:5052"]
                """)).containsExactly(
                "m.yaml:3:13: regions[0].weight: 1001 is out of range (expected: 0..1000)",
                "m.yaml:6:13: regions[1].weight: -1 is out of range (expected: 0..1000)");
    }

    @Test
    void locationOutOfRangeIsRefused() {
        assertThat(problems("""
                regions:
                  - name: us-east4
                    location: {lat: 139.69, lon: 35.68}
                    endpoints: ["http://10.1.0.5:5052"]
                """)).containsExactly(
                "m.yaml:3:21: regions[0].location.lat: 139.69 is out of range (expected: -90..90)");
    }

    @Test
    void invalidNameIsRefused() {
        assertThat(problems("""
                regions:
                  - name: US_East
                    endpoints: ["http://10.1.0.5:5052"]
                """)).containsExactly(
                "m.yaml:2:11: regions[0].name: 'US_East' is not a valid name "
                        + "(expected lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters)");
    }

    @Test
    void routeProblemsAreReported() {
        assertThat(problems("""
                routes:
                  - {name: chat, path-prefix: /v2/chat}
                  - {name: chat, path-prefix: /v2/chat/}
                  - {name: default, path-prefix: /v2}
                  - {name: query, path-prefix: "v2?x"}
                """ + REGIONS)).containsExactly(
                "m.yaml:3:12: routes[1].name: duplicate route name 'chat' (first used at routes[0].name, line 2)",
                "m.yaml:3:31: routes[1].path-prefix: duplicate path-prefix '/v2/chat' (first used at routes[0].path-prefix, line 2)",
                "m.yaml:4:12: routes[2].name: 'default' is reserved for the catch-all route (expected another name, or path-prefix '/')",
                "m.yaml:5:32: routes[3].path-prefix: 'v2?x' does not start with '/' (expected e.g. /v2/code/completions)");
    }

    @Test
    void adminFilesAndBodyLimitAreChecked() {
        assertThat(problems("""
                admin:
                  state-file: " "
                  audit-file: ""
                  token-file: 7
                  allow-insecure: "yes"
                  max-request-body: 2MiB
                """ + REGIONS)).containsExactly(
                "m.yaml:2:15: admin.state-file: empty path (expected a file, or no 'state-file' key)",
                "m.yaml:3:15: admin.audit-file: empty path (expected a file, or no 'audit-file' key)",
                "m.yaml:4:15: admin.token-file: expected a string, found 7",
                "m.yaml:5:19: admin.allow-insecure: expected a boolean (true or false), found 'yes'",
                "m.yaml:6:21: admin.max-request-body: '2MiB' is too large (expected at most 1048576 bytes)");
    }

    @Test
    void tokenProblemsNeverPrintTheToken() {
        List<String> problems = problems("""
                admin:
                  tokens:
                    - {name: sre, token: "correct horse"}
                    - {name: ci, token: s3cret-value}
                    - {name: bot, token: s3cret-value}
                    - {name: num, token: 1234567890}
                """ + REGIONS);
        assertThat(problems).containsExactly(
                "m.yaml:3:26: admin.tokens[0].token: the token contains whitespace (expected a secret without whitespace; it is sent in an HTTP header)",
                "m.yaml:5:26: admin.tokens[2].token: the same token as admin.tokens[1].token (expected one secret per token)",
                "m.yaml:6:26: admin.tokens[3].token: expected a string, found an integer");
        assertThat(String.join("\n", problems)).doesNotContain("horse", "s3cret", "1234567890");
    }

    @Test
    void yamlSyntaxErrorIsOneLineAtItsPosition() {
        assertThat(problems("""
                listen:
                  port: 8080
                 address: 0.0.0.0
                """)).containsExactly(
                "m.yaml:3:2: YAML syntax error: expected <block end>, but found '<block mapping start>' "
                        + "(while parsing a block mapping started at line 1, column 1)");
    }

    @Test
    void syntaxErrorIsReportedAloneEvenAfterOtherProblems() {
        assertThat(problems("listen:\n  port: 1\n  port: 2\nregions: [x\n")).containsExactly(
                "m.yaml:5:1: YAML syntax error: expected ',' or ']', but got <stream end> "
                        + "(while parsing a flow sequence started at line 4, column 10)");
    }

    @Test
    void unclosedFlowSequenceIsASyntaxError() {
        assertThat(problems("regions: [{name: a, endpoints: [\"http://a:1\"]}\n")).containsExactly(
                "m.yaml:2:1: YAML syntax error: expected ',' or ']', but got <stream end> "
                        + "(while parsing a flow sequence started at line 1, column 10)");
    }

    @Test
    void tabIndentationIsASyntaxError() {
        assertThat(problems("listen:\n\tport: 8080\n")).containsExactly(
                "m.yaml:2:1: YAML syntax error: found character '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for indentation)");
    }

    @Test
    void duplicateKeyIsReportedAtTheSecondKey() {
        assertThat(problems("""
                listen:
                  port: 8080
                  port: 8081
                """ + REGIONS)).containsExactly(
                "m.yaml:3:3: listen.port: duplicate key (first defined at line 2, column 3)");
    }

    @Test
    void severalProblemsAreReportedTogetherInFileOrder() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> LOADER.parse("""
                listen: {port: 70000}
                timeouts: {connect: 5}
                regions:
                  - name: us-east4
                    endpoints: ["ftp://10.1.0.5"]
                  - name: us-east4
                    endpoints: []
                    colour: blue
                """, "m.yaml"));
        assertThat(e.getMessage()).isEqualTo(String.join("\n",
                "m.yaml:1:16: listen.port: 70000 is out of range (expected: 0..65535)",
                "m.yaml:2:21: timeouts.connect: '5' has no unit (expected e.g. 250ms, 2s, 1m)",
                "m.yaml:5:17: regions[0].endpoints[0]: 'ftp://10.1.0.5' is not an http(s) URL (expected e.g. http://10.1.0.5:5052)",
                "m.yaml:6:11: regions[1].name: duplicate region name 'us-east4' (first used at regions[0].name, line 4)",
                "m.yaml:7:16: regions[1].endpoints: empty list (expected at least one endpoint, e.g. http://10.1.0.5:5052)",
                "m.yaml:8:5: regions[1].colour: unknown key (expected one of: name, location, weight, endpoints, protocol, tls, probe, grpc-health-service)"));
        assertThat(e.problems()).hasSize(6);
    }

    @Test
    void aliasIsRefusedBecauseItWouldBeReadAsText() {
        assertThat(problems("""
                regions:
                  - name: us-east4
                    endpoints: &east ["http://10.1.0.5:5052"]
                  - name: us-east1
                    endpoints: *east
                """)).containsExactly(
                "m.yaml:5:16: regions[1].endpoints: YAML alias *east is not supported (expected the value written out)");
    }

    @Test
    void missingFileIsOneProblemNamingTheFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> LOADER.load(missing));
        assertThat(e.getMessage()).isEqualTo(missing + ": cannot read the file: it does not exist");
    }

    @Test
    void directoryIsOneProblem(@TempDir Path dir) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> LOADER.load(dir));
        assertThat(e.getMessage()).isEqualTo(dir + ": cannot read the file: it is a directory (expected a YAML file)");
    }

    @Test
    void fileThatIsNotUtf8IsOneProblem(@TempDir Path dir) throws IOException {
        Path latin1 = Files.write(dir.resolve("latin1.yaml"), new byte[] {'a', ':', ' ', (byte) 0xe9, '\n'});
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> LOADER.load(latin1));
        assertThat(e.getMessage()).isEqualTo(latin1 + ": cannot read the file: it is not UTF-8 text");
    }

    @Test
    void problemsInALoadedFileNameThatFile(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("meridian.yaml"), "listen: {prot: 1}\n" + REGIONS);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> LOADER.load(file));
        assertThat(e.problems()).containsExactly(new ConfigProblem(file.toString(), 1, 10, "listen.prot: unknown key (did you mean 'port'?)"));
    }

    /** Short documents written as one string, each with every problem it gets (named after the rule it shows). */
    static Stream<Arguments> shortDocuments() {
        return Stream.of(
                refused("unknown top level key is reported at the key with the known keys", "colour: blue\n",
                        "m.yaml:1:1: colour: unknown key (expected one of: listen, server, upstream, dns, timeouts, admin, fleet, slo-controller, geo, routing, health, retries, access-log, regions, routes)"),
                refused("misspelled nested key is reported with its path and a suggestion", "listen:\n  prot: 8080\n",
                        "m.yaml:2:3: listen.prot: unknown key (did you mean 'port'?)"),
                refused("wrong type says what was expected and what was found", "listen: {port: eighty}\nserver: {region-header: maybe}\n",
                        "m.yaml:1:16: listen.port: expected an integer, found 'eighty'",
                        "m.yaml:2:25: server.region-header: expected a boolean (true or false), found 'maybe'"),
                refused("scalar where a mapping belongs is a wrong type", "listen: 8080\n",
                        "m.yaml:1:9: listen: expected a mapping, found 8080"),
                refused("duration without unit is refused and bare zero says so", "timeouts: {connect: 0, first-byte: 30, idle: 0s, total: [1m]}\n",
                        "m.yaml:1:21: timeouts.connect: '0' alone is not a duration (expected a unit, e.g. 250ms, 2s, 1m)",
                        "m.yaml:1:36: timeouts.first-byte: '30' has no unit (expected e.g. 250ms, 2s, 1m)",
                        "m.yaml:1:46: timeouts.idle: '0s' is zero (expected a positive duration, e.g. 250ms, 2s, 1m)",
                        "m.yaml:1:57: timeouts.total: expected a duration (e.g. 250ms, 2s, 1m), found a list"),
                refused("malformed reference is reported", "geo: {database: \"/data/${GEO DIR}/city.mmdb\"}\nadmin: {address: \"${OPEN\"}\n",
                        "m.yaml:1:17: geo.database: '${GEO DIR}' is not a variable reference "
                                + "(expected ${NAME} with letters, digits and _; write $${ for a literal ${)",
                        "m.yaml:2:18: admin.address: '${' is not closed (expected ${NAME}; write $${ for a literal ${)"),
                refused("bad cidr is refused", "geo:\n  trusted-proxies: [10.0.0.0/33, 10.1.2.3/8, proxy.internal, \"::1/129\"]\n",
                        "m.yaml:2:21: geo.trusted-proxies[0]: '10.0.0.0/33' has prefix length 33 (expected: 0..32)",
                        "m.yaml:2:34: geo.trusted-proxies[1]: '10.1.2.3/8' has bits set beyond the prefix (expected: 10.0.0.0/8)",
                        "m.yaml:2:46: geo.trusted-proxies[2]: 'proxy.internal' is not a CIDR range (expected e.g. 10.0.0.0/8, fd00::/8, 127.0.0.1)",
                        "m.yaml:2:62: geo.trusted-proxies[3]: '::1/129' has prefix length 129 (expected: 0..128)"),
                refused("host name where an address belongs is refused", "listen: {address: localhost}\n",
                        "m.yaml:1:19: listen.address: 'localhost' is not an IP address "
                                + "(expected an IP address literal such as 0.0.0.0, ::, 127.0.0.1; host names are not resolved)"),
                refused("unknown enum value lists the allowed ones", "server: {transport: kqueue}\nadmin: {tokens: [{name: ci, token: abc, scope: admin}]}\n",
                        "m.yaml:1:21: server.transport: 'kqueue' is not allowed (expected one of: auto, epoll, nio)",
                        "m.yaml:2:48: admin.tokens[0].scope: 'admin' is not allowed (expected one of: read, write)"),
                refused("admin port clashing with listen port is refused", "listen: {port: 9000}\nadmin: {address: 127.0.0.1, port: 9000}\n",
                        "m.yaml:2:35: admin.port: 9000 is also listen.port on an overlapping address (expected a different port)"),
                refused("admin body limit of zero is refused", "admin: {max-request-body: 0}\n",
                        "m.yaml:1:27: admin.max-request-body: 0 is too small (expected at least 1 byte)"),
                refused("unknown key is reported even when its value has its own problem", "admin:\n  tokn: ${ADMIN_TOKEN}\n",
                        "m.yaml:2:3: admin.tokn: unknown key (did you mean 'tokens'?)",
                        "m.yaml:2:9: admin.tokn: environment variable ADMIN_TOKEN is not set"),
                refused("spill factor must be a number in range", "routing: {spill-factor: \"1.4\"}\n",
                        "m.yaml:1:25: routing.spill-factor: expected a number, found '1.4'"),
                refused("spill factor must be a number in range", "routing: {spill-factor: 11}\n",
                        "m.yaml:1:25: routing.spill-factor: 11 is out of range (expected: 1.0..10)"),
                refused("misspelled routing key gets a suggestion", "routing:\n  tie_band: 10ms\n",
                        "m.yaml:2:3: routing.tie_band: unknown key (did you mean 'tie-band'?)"),
                refused("proxy protocol is a boolean", "listen: {proxy-protocol: v2}\n",
                        "m.yaml:1:26: listen.proxy-protocol: expected a boolean (true or false), found 'v2'"),
                refused("probe path may not hold spaces or a fragment", "health: {probe: {path: \"/health z\"}}\n",
                        "m.yaml:1:24: health.probe.path: '/health z' contains whitespace "
                                + "(expected a path without fragment or spaces, e.g. /monitoring/healthz)"),
                refused("probe path may not hold spaces or a fragment", "health: {probe: {path: \"/healthz#top\"}}\n",
                        "m.yaml:1:24: health.probe.path: '/healthz#top' contains '#' "
                                + "(expected a path without fragment or spaces, e.g. /monitoring/healthz)"),
                refused("max ejection shorter than base ejection is reported where it was written", "health: {outlier: {base-ejection: 1m, max-ejection: 30s}}\n",
                        "m.yaml:1:53: health.outlier.max-ejection: '30s' is shorter than base-ejection (expected at least 1m)"),
                refused("max ejection shorter than base ejection is reported where it was written", "health: {outlier: {base-ejection: 10m}}\n",
                        "m.yaml:1:35: health.outlier.base-ejection: '10m' is longer than max-ejection (expected at most 5m, or a longer max-ejection)"),
                refused("the breaker window is a whole number of seconds", "health: {breaker: {window: 1500ms}}\n",
                        "m.yaml:1:28: health.breaker.window: '1500ms' is not a whole number of seconds from 1s to 1h"),
                refused("the breaker window is a whole number of seconds", "health: {breaker: {window: 2h}}\n",
                        "m.yaml:1:28: health.breaker.window: '2h' is not a whole number of seconds from 1s to 1h"),
                refused("rate limit capacity must be above zero and at most one", "health: {rate-limit: {capacity: 0, default-retry-after: 10}}\n",
                        "m.yaml:1:33: health.rate-limit.capacity: 0 is out of range (expected: more than 0, at most 1)",
                        "m.yaml:1:57: health.rate-limit.default-retry-after: '10' has no unit (expected e.g. 250ms, 2s, 1m)"),
                refused("rate limit capacity must be above zero and at most one", "health: {rate-limit: {capacity: 1.5}}\n",
                        "m.yaml:1:33: health.rate-limit.capacity: 1.5 is out of range (expected: more than 0, at most 1)"),
                refused("rate limit capacity must be above zero and at most one", "health: {rate-limit: {capacity: 50%}}\n",
                        "m.yaml:1:33: health.rate-limit.capacity: expected a number, found '50%'"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("shortDocuments")
    void shortDocumentsAreRefusedWithEveryProblemWhereItIsWritten(String rule, String yaml, List<String> expected) {
        assertThat(problems(yaml + REGIONS)).containsExactlyElementsOf(expected);
    }

    /** Whole documents (no regions added) that are one problem each. */
    static Stream<Arguments> wholeDocuments() {
        return Stream.of(
                arguments("regions: []\n", "m.yaml:1:10: regions: empty list (expected at least 1 item)"),
                arguments("listen: {port: 8080}\n", "m.yaml:1:1: regions: required key is missing"),
                arguments("", "m.yaml: the file is empty (expected a mapping with at least 'regions')"),
                arguments("# nothing but a comment\n---\n", "m.yaml: the file is empty (expected a mapping with at least 'regions')"),
                arguments("- us-east4\n- europe-west2\n", "m.yaml:1:1: expected a mapping at the top level, found a list"),
                arguments("just some text\n", "m.yaml:1:1: expected a mapping at the top level, found 'just some text'"),
                arguments(REGIONS + "---\nlisten: {port: 1}\n",
                        "m.yaml:5:1: a second YAML document starts here (expected exactly one document per file)"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("wholeDocuments")
    void wholeDocumentsAreOneProblem(String yaml, String problem) {
        assertThat(problems(yaml)).containsExactly(problem);
    }

    /** For each section, a document with many of its keys wrong: every problem, in file order, where it is written. */
    static Stream<Arguments> badSectionValues() {
        return Stream.of(
                refused("geo", """
                    geo:
                      required: maybe
                      reload-interval: 5ms
                      cache-size: -1
                      node-cache-size: 200000000
                    """,
                    "m.yaml:2:13: geo.required: expected a boolean (true or false), found 'maybe'",
                    "m.yaml:3:20: geo.reload-interval: '5ms' is too short (expected at least 10ms)",
                    "m.yaml:4:15: geo.cache-size: -1 is out of range (expected: 0..100000000)",
                    "m.yaml:5:20: geo.node-cache-size: 200000000 is out of range (expected: 0..100000000)"),
                refused("routing", """
                    routing:
                      mode: nearest
                      tie-band: 10
                      spill-factor: 0.5
                      hysteresis: -5ms
                      panic: drop
                      default-ttfb: 0ms
                      ttfb-decay: 10 s
                    """,
                    "m.yaml:2:9: routing.mode: 'nearest' is not allowed (expected one of: distance, latency-aware)",
                    "m.yaml:3:13: routing.tie-band: '10' has no unit (expected e.g. 250ms, 2s, 1m)",
                    "m.yaml:4:17: routing.spill-factor: 0.5 is out of range (expected: 1.0..10)",
                    "m.yaml:5:15: routing.hysteresis: '-5ms' is not a duration (expected e.g. 250ms, 2s, 1m)",
                    "m.yaml:6:10: routing.panic: 'drop' is not allowed (expected one of: route, reject)",
                    "m.yaml:7:17: routing.default-ttfb: '0ms' is zero (expected a positive duration, e.g. 250ms, 2s, 1m)",
                    "m.yaml:8:15: routing.ttfb-decay: '10 s' is not a duration (expected e.g. 250ms, 2s, 1m)"),
                refused("health.probe", """
                    health:
                      probe:
                        enabled: yes please
                        path: monitoring/healthz
                        interval: 0s
                        jitter: 0.7
                        timeout: 1
                        unhealthy-threshold: 0
                        healthy-threshold: 101
                    """,
                    "m.yaml:3:14: health.probe.enabled: expected a boolean (true or false), found 'yes please'",
                    "m.yaml:4:11: health.probe.path: 'monitoring/healthz' does not start with '/' (expected e.g. /monitoring/healthz)",
                    "m.yaml:5:15: health.probe.interval: '0s' is zero (expected a positive duration, e.g. 250ms, 2s, 1m)",
                    "m.yaml:6:13: health.probe.jitter: 0.7 is out of range (expected: 0..0.5)",
                    "m.yaml:7:14: health.probe.timeout: '1' has no unit (expected e.g. 250ms, 2s, 1m)",
                    "m.yaml:8:26: health.probe.unhealthy-threshold: 0 is out of range (expected: 1..100)",
                    "m.yaml:9:24: health.probe.healthy-threshold: 101 is out of range (expected: 1..100)"),
                refused("health.outlier", """
                    health:
                      outlier:
                        consecutive-failures: 0
                        base-ejection: 30 s
                        max-ejected-percent: 150
                    """,
                    "m.yaml:3:27: health.outlier.consecutive-failures: 0 is out of range (expected: 1..1000)",
                    "m.yaml:4:20: health.outlier.base-ejection: '30 s' is not a duration (expected e.g. 250ms, 2s, 1m)",
                    "m.yaml:5:26: health.outlier.max-ejected-percent: 150 is out of range (expected: 0..100)"),
                refused("health.breaker", """
                    health:
                      breaker:
                        failure-rate-threshold: 0
                        slow-call-rate-threshold: 101
                        slow-call-duration: 0ms
                        window: 20
                        open-duration: ten seconds
                        half-open-calls: 0
                    """,
                    "m.yaml:3:29: health.breaker.failure-rate-threshold: 0 is out of range (expected: 1..100)",
                    "m.yaml:4:31: health.breaker.slow-call-rate-threshold: 101 is out of range (expected: 1..100)",
                    "m.yaml:5:25: health.breaker.slow-call-duration: '0ms' is zero (expected a positive duration, e.g. 250ms, 2s, 1m)",
                    "m.yaml:6:13: health.breaker.window: '20' has no unit (expected e.g. 250ms, 2s, 1m)",
                    "m.yaml:7:20: health.breaker.open-duration: 'ten seconds' is not a duration (expected e.g. 250ms, 2s, 1m)",
                    "m.yaml:8:22: health.breaker.half-open-calls: 0 is out of range (expected: 1..1000)"),
                refused("health.stall", """
                    health:
                      stall:
                        multiplier: 0.5
                        min-threshold: 0s
                        overdue-attempts: 0
                        max-waiting: 0
                    """,
                    "m.yaml:3:17: health.stall.multiplier: 0.5 is out of range (expected: 1..100)",
                    "m.yaml:4:20: health.stall.min-threshold: '0s' is zero (expected a positive duration, e.g. 250ms, 2s, 1m)",
                    "m.yaml:5:23: health.stall.overdue-attempts: 0 is out of range (expected: 1..1000)",
                    "m.yaml:6:18: health.stall.max-waiting: 0 is out of range (expected: 1..100000)"),
                refused("retries", """
                    retries:
                      budget-ratio: 1.2
                      budget-window: 0s
                      min-per-second: -1
                      replay-buffer: 4GiB
                    """,
                    "m.yaml:2:17: retries.budget-ratio: 1.2 is out of range (expected: 0..1)",
                    "m.yaml:3:18: retries.budget-window: '0s' is zero (expected a positive duration, e.g. 250ms, 2s, 1m)",
                    "m.yaml:4:19: retries.min-per-second: -1 is out of range (expected: 0..1000000)",
                    "m.yaml:5:18: retries.replay-buffer: '4GiB' is too large (expected at most 2147483647 bytes)"),
                refused("routes[].retry and routes[].hedge", """
                    routes:
                      - name: completions
                        path-prefix: /v2/code/completions
                        retry: {max-attempts: 0, non-idempotent: sometimes, backoff: 1s}
                        hedge: {enabled: true, delay: p99}
                      - name: chat
                        path-prefix: /v2/chat
                        retry: {max-attempts: 11}
                        hedge: {delay: 0ms}
                      - name: generations
                        path-prefix: /v2/code/generations
                        hedge: {delay: 150}
                    """,
                    "m.yaml:4:27: routes[0].retry.max-attempts: 0 is out of range (expected: 1..10)",
                    "m.yaml:4:46: routes[0].retry.non-idempotent: expected a boolean (true or false), found 'sometimes'",
                    "m.yaml:4:57: routes[0].retry.backoff: unknown key (expected one of: max-attempts, non-idempotent, rescue)",
                    "m.yaml:5:35: routes[0].hedge.delay: 'p99' is neither a duration nor p95 (expected a positive duration such as 150ms, or p95)",
                    "m.yaml:8:27: routes[1].retry.max-attempts: 11 is out of range (expected: 1..10)",
                    "m.yaml:9:20: routes[1].hedge.delay: '0ms' is zero (expected a positive duration such as 150ms, or p95)",
                    "m.yaml:12:20: routes[2].hedge.delay: '150' has no unit (expected a positive duration such as 150ms, or p95)"),
                refused("access-log and routes[].apdex", """
                    access-log:
                      file: ""
                      buffer-lines: 0
                      format: text
                    routes:
                      - name: completions
                        path-prefix: /v2/code/completions
                        apdex: {satisfied: 2s, tolerated: 1s}
                      - name: chat
                        path-prefix: /v2/chat
                        apdex: {satisfied: 0s}
                    """,
                    "m.yaml:2:9: access-log.file: empty path (expected a file, or no 'file' key)",
                    "m.yaml:3:17: access-log.buffer-lines: 0 is out of range (expected: 1..1048576)",
                    "m.yaml:4:3: access-log.format: unknown key (expected one of: enabled, file, buffer-lines)",
                    "m.yaml:8:39: routes[0].apdex.tolerated: apdex tolerated (1000ms) is shorter than satisfied (2000ms) (expected tolerated >= satisfied)",
                    "m.yaml:11:24: routes[1].apdex.satisfied: '0s' is zero (expected a positive duration, e.g. 250ms, 2s, 1m)"));
    }

    private static Arguments refused(String section, String yaml, String... problems) {
        return arguments(section, yaml, List.of(problems));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSectionValues")
    void badValuesOfASectionAreRefusedWhereTheyAreWritten(String section, String yaml, List<String> expected) {
        assertThat(problems(yaml + REGIONS)).containsExactlyElementsOf(expected);
    }

    @Test
    void locationHeadersMustBeUniqueHeaderNames() {
        assertThat(problems("""
                geo:
                  location-headers: [X-Client-Geo-Location, "X Geo", x-client-geo-location, 7]
                """ + REGIONS)).containsExactly(
                "m.yaml:2:45: geo.location-headers[1]: 'X Geo' is not a valid header name "
                        + "(expected an HTTP header name: letters, digits and !#$%&'*+-.^_`|~, e.g. X-Gitlab-Instance-Id)",
                "m.yaml:2:54: geo.location-headers[2]: duplicate header name 'x-client-geo-location' "
                        + "(first used at geo.location-headers[0], line 2; header names ignore case)",
                "m.yaml:2:77: geo.location-headers[3]: expected a string, found 7");
    }

    @Test
    void stickyHeaderMustBeAHeaderName() {
        assertThat(problems("""
                routes:
                  - {name: completions, path-prefix: /v2/code/completions, sticky-header: "X-Gitlab-Instance-Id:"}
                  - {name: chat, path-prefix: /v2/chat, sticky-header: ""}
                """ + REGIONS)).containsExactly(
                "m.yaml:2:75: routes[0].sticky-header: 'X-Gitlab-Instance-Id:' is not a valid header name "
                        + "(expected an HTTP header name: letters, digits and !#$%&'*+-.^_`|~, e.g. X-Gitlab-Instance-Id)",
                "m.yaml:3:56: routes[1].sticky-header: '' is not a valid header name "
                        + "(expected an HTTP header name: letters, digits and !#$%&'*+-.^_`|~, e.g. X-Gitlab-Instance-Id)");
    }

}
