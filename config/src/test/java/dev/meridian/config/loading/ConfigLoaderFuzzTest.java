package dev.meridian.config.loading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.meridian.config.ConfigDefaults;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RegionConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Fuzzes {@link ConfigLoader#parse} with YAML documents: valid ones built from the schema's shapes,
 * then the same documents mutated in their tree (wrong types, unknown keys, out-of-range numbers,
 * bad durations and sizes, huge strings, deep nesting, {@code ${ENV}} references) or in their text
 * (inserted, deleted and repeated characters: broken syntax). The loader must either return a
 * configuration or throw {@link ConfigException} whose every problem names the file and a
 * position; nothing else may escape (no NPE, IllegalArgumentException or StackOverflowError).
 *
 * <p>Tries: {@code jqwik.tries.default} (src/test/resources/junit-platform.properties; override
 * with {@code -Djqwik.tries.default=N}). See src/docs/fuzzing.md.
 */
class ConfigLoaderFuzzTest {

    private static final String FILE = "fuzz.yaml";
    private static final Map<String, String> ENV = Map.of("MERIDIAN_SET", "8080", "MERIDIAN_TEXT", "a b: [c",
            "MERIDIAN_EMPTY", "");
    private static final ConfigLoader LOADER = ConfigLoader.create().withEnvironment(ENV);

    // ---- properties --------------------------------------------------------------------------

    /** A document built from the schema's shapes loads, and its block and flow renderings load to the same config. */
    @Property
    void validDocumentsLoadAndRoundTrip(@ForAll("validDocuments") Map<String, Object> doc) {
        MeridianConfig block = LOADER.parse(Yaml.block(doc), FILE);
        MeridianConfig flow = LOADER.parse(Yaml.flow(doc), FILE);

        assertThat(flow).as("the same document in flow style:\n%s", Yaml.flow(doc)).isEqualTo(block);
        @SuppressWarnings("unchecked") // built by validDocuments(): a list of region mappings
        List<Map<String, Object>> regions = (List<Map<String, Object>>) doc.get("regions");
        assertThat(block.regions()).extracting(RegionConfig::name)
                .containsExactlyElementsOf(regions.stream().map(r -> (String) r.get("name")).toList());
        assertThat(block.regions()).extracting(RegionConfig::weight)
                .containsExactlyElementsOf(regions.stream().map(r -> ((Long) r.get("weight")).intValue()).toList());
        @SuppressWarnings("unchecked") // built by validDocuments()
        Map<String, Object> listen = (Map<String, Object>) doc.get("listen");
        assertThat(block.listen().port()).isEqualTo(((Long) listen.get("port")).intValue());
    }

    /** Tree mutations of valid documents: a config or located ConfigProblems, nothing else. */
    @Property
    void mutatedDocumentsGiveAConfigOrLocatedProblems(
            @ForAll("validDocuments") Map<String, Object> doc, @ForAll("seeds") long seed) {
        Random random = new Random(seed);
        Map<String, Object> mutated = copy(doc); // the sample stays as generated, for the report
        int mutations = 1 + random.nextInt(3);
        for (int i = 0; i < mutations; i++) {
            TreeMutation.apply(mutated, random);
        }
        String yaml = random.nextBoolean() ? Yaml.block(mutated) : Yaml.flow(mutated);
        assertLoadsOrFailsWithLocatedProblems(yaml);
    }

    /** Text mutations (broken YAML syntax) of valid documents: a config or located ConfigProblems. */
    @Property
    void brokenSyntaxGivesAConfigOrLocatedProblems(
            @ForAll("validDocuments") Map<String, Object> doc, @ForAll("seeds") long seed) {
        Random random = new Random(seed);
        String yaml = random.nextBoolean() ? Yaml.block(doc) : Yaml.flow(doc);
        int mutations = 1 + random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            yaml = TextMutation.apply(yaml, random);
        }
        assertLoadsOrFailsWithLocatedProblems(yaml);
    }

    /** Arbitrary text, no structure at all. */
    @Property
    void arbitraryTextGivesAConfigOrLocatedProblems(@ForAll("arbitraryText") String yaml) {
        assertLoadsOrFailsWithLocatedProblems(yaml);
    }

    static void assertLoadsOrFailsWithLocatedProblems(String yaml) {
        Throwable thrown = catchThrowable(() -> LOADER.parse(yaml, FILE));
        Statistics.collect(thrown == null ? "loaded" : thrown.getClass().getSimpleName());
        if (thrown == null) {
            return;
        }
        assertThat(thrown).as("what the loader threw for:\n%s", shorten(yaml)).isInstanceOf(ConfigException.class);
        List<ConfigProblem> problems = ((ConfigException) thrown).problems();
        assertThat(problems).isNotEmpty();
        for (ConfigProblem problem : problems) {
            assertThat(problem.file()).isEqualTo(FILE);
            if (isAboutTheWholeFile(problem)) {
                continue;
            }
            assertThat(problem.line()).as("line of %s for:\n%s", problem, shorten(yaml)).isPositive();
            assertThat(problem.column()).as("column of %s for:\n%s", problem, shorten(yaml)).isPositive();
        }
    }

    /** Problems without a position: an empty file (nothing to point at). */
    private static boolean isAboutTheWholeFile(ConfigProblem problem) {
        return problem.message().startsWith("the file is empty");
    }

    // ---- regressions found by the properties above --------------------------------------------

    /**
     * Jackson's nesting limit (1000) throws a StreamConstraintsException without a location; the
     * problem is placed where the parser stopped, at the first collection beyond the limit.
     */
    @Example
    void nestingDeeperThanTheParserLimitIsLocated() {
        String yaml = "a: " + "[".repeat(1001) + "]".repeat(1001) + "\n";

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> LOADER.parse(yaml, FILE));

        assertThat(e.problems()).isNotEmpty().allSatisfy(p -> {
            assertThat(p.line()).as("line of %s", p).isPositive();
            assertThat(p.column()).as("column of %s", p).isPositive();
        });
        assertThat(e.problems()).anySatisfy(p -> {
            assertThat(p.message()).contains("nesting depth");
            assertThat(p.line()).isEqualTo(1);
            assertThat(p.column()).as("column of %s", p).isBetween(4 + 999, 4 + 1001);
        });
    }

    /** snakeyaml quotes the bare CR it stumbled on; the problem message must still be one line. */
    @Example
    void anAnchorCutByABareCarriageReturnIsAOneLineProblem() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> LOADER.parse("&\r", FILE));

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(1);
            assertThat(p.column()).isEqualTo(2);
            assertThat(p.message()).startsWith("YAML syntax error: ").doesNotContain("\r", "\n");
        });
    }

    @Example
    void anAliasCutByABareCarriageReturnIsAOneLineProblem() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> LOADER.parse("a: *\r", FILE));

        assertThat(e.problems()).singleElement().satisfies(p -> assertThat(p.message()).doesNotContain("\r"));
    }

    private static String shorten(String text) {
        return text.length() <= 2_000 ? text : text.substring(0, 2_000) + "… (" + text.length() + " chars)";
    }

    // ---- generators --------------------------------------------------------------------------

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    @Provide
    Arbitrary<String> arbitraryText() {
        Arbitrary<String> yamlish = Arbitraries.strings()
                .withChars("abc:-[]{},&*!|>'\"#%@`?$ \t\n\r\\0123456789.")
                .ofMaxLength(200);
        return Arbitraries.oneOf(yamlish, Arbitraries.strings().ofMaxLength(200));
    }

    @Provide
    Arbitrary<Map<String, Object>> validDocuments() {
        Arbitrary<List<Map<String, Object>>> regions = Arbitraries.integers().between(1, 4)
                .flatMap(n -> Combinators.combine(
                        Arbitraries.of(NAMES).list().ofSize(n).uniqueElements(),
                        region().list().ofSize(n))
                        .as((names, rs) -> {
                            for (int i = 0; i < n; i++) {
                                rs.get(i).put("name", names.get(i));
                                int region = i;
                                // Endpoints are unique across regions: 10.0.<region>.x
                                @SuppressWarnings("unchecked") // built by region()
                                List<Object> endpoints = (List<Object>) rs.get(i).get("endpoints");
                                endpoints.replaceAll(e -> ((String) e).replace("10.0.0.", "10.0." + region + "."));
                            }
                            return rs;
                        }));
        Arbitrary<List<Map<String, Object>>> routes = Arbitraries.integers().between(0, 3)
                .flatMap(n -> Combinators.combine(
                        Arbitraries.of(NAMES).list().ofSize(n).uniqueElements(),
                        Arbitraries.of(PREFIXES).list().ofSize(n).uniqueElements(),
                        route().list().ofSize(n))
                        .as((names, prefixes, rs) -> {
                            for (int i = 0; i < n; i++) {
                                rs.get(i).put("name", names.get(i));
                                rs.get(i).put("path-prefix", prefixes.get(i));
                            }
                            return rs;
                        }));
        return Combinators.combine(listen(), server(), timeouts(), retries(), routing(), regions, routes)
                .as((listen, server, timeouts, retries, routing, rs, routeList) -> {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("listen", listen);
                    putIfNotEmpty(doc, "server", server);
                    putIfNotEmpty(doc, "timeouts", timeouts);
                    putIfNotEmpty(doc, "retries", retries);
                    putIfNotEmpty(doc, "routing", routing);
                    doc.put("health", map("probe", map("enabled", false)));
                    doc.put("regions", new ArrayList<Object>(rs));
                    if (!routeList.isEmpty()) {
                        doc.put("routes", new ArrayList<Object>(routeList));
                    }
                    return doc;
                });
    }

    private static final List<String> NAMES = List.of("us-east4", "europe-west2", "asia-northeast1", "r1", "a",
            "x-9", "completions", "chat", "0zone");
    private static final List<String> PREFIXES = List.of("/v2/code/completions", "/v2/completions", "/v4/code/suggestions",
            "/v2/chat/agent", "/a", "/a/b", "/x-y_z.~");

    private static Arbitrary<Map<String, Object>> listen() {
        return Combinators.combine(Arbitraries.of("127.0.0.1", "0.0.0.0", "::1", "::"),
                        // Not the default admin port: the documents leave admin out, and the two may not share a port.
                        Arbitraries.longs().between(1025, 65535).filter(port -> port != ConfigDefaults.ADMIN_PORT),
                        Arbitraries.of(true, false))
                .as((address, port, proxy) -> map("address", address, "port", port, "proxy-protocol", proxy));
    }

    private static Arbitrary<Map<String, Object>> server() {
        return Combinators.combine(Arbitraries.longs().between(0, 16), Arbitraries.of("auto", "nio"),
                        sizes(1), sizes(1), sizes(0), durations(), Arbitraries.of(true, false),
                        Arbitraries.integers().between(0, 127))
                .as((loops, transport, line, header, body, idle, regionHeader, mask) -> subset(mask,
                        "event-loops", loops, "transport", transport, "max-initial-line-length", line,
                        "max-header-size", header, "max-request-body", body, "client-idle-timeout", idle,
                        "region-header", regionHeader));
    }

    private static Arbitrary<Map<String, Object>> timeouts() {
        return Combinators.combine(Arbitraries.longs().between(1, 5_000), Arbitraries.longs().between(1, 60),
                        Arbitraries.integers().between(0, 15))
                .as((connectMs, seconds, mask) -> subset(mask, "connect", connectMs + "ms",
                        "first-byte", seconds + "s", "idle", seconds + "s", "total", (seconds * 2) + "m"));
    }

    private static Arbitrary<Map<String, Object>> retries() {
        return Combinators.combine(Arbitraries.doubles().between(0, 1).ofScale(2), durations(),
                        Arbitraries.longs().between(0, 1_000_000), sizes(0), Arbitraries.integers().between(0, 15))
                .as((ratio, window, perSecond, replay, mask) -> subset(mask, "budget-ratio", ratio,
                        "budget-window", window, "min-per-second", perSecond, "replay-buffer", replay));
    }

    private static Arbitrary<Map<String, Object>> routing() {
        return Combinators.combine(Arbitraries.of("distance", "latency-aware"), durations(),
                        Arbitraries.doubles().between(1, 10).ofScale(2), Arbitraries.of("route", "reject"),
                        Arbitraries.integers().between(0, 15))
                .as((mode, band, spill, panic, mask) -> subset(mask, "mode", mode, "tie-band", band,
                        "spill-factor", spill, "panic", panic));
    }

    private static Arbitrary<Map<String, Object>> region() {
        Arbitrary<String> endpoint = Combinators.combine(Arbitraries.of("http", "https", "HTTP"),
                        Arbitraries.integers().between(0, 255), Arbitraries.integers().between(1, 65535))
                .as((scheme, octet, port) -> scheme + "://10.0.0." + octet + ":" + port);
        return Combinators.combine(Arbitraries.doubles().between(-90, 90).ofScale(2),
                        Arbitraries.doubles().between(-180, 180).ofScale(2), Arbitraries.longs().between(0, 1000),
                        endpoint.list().ofMinSize(1).ofMaxSize(3).uniqueElements(e -> e.toLowerCase(java.util.Locale.ROOT)))
                .as((lat, lon, weight, endpoints) -> map("location", map("lat", lat, "lon", lon),
                        "weight", weight, "endpoints", new ArrayList<Object>(endpoints)));
    }

    private static Arbitrary<Map<String, Object>> route() {
        return Combinators.combine(Arbitraries.longs().between(1, 10), Arbitraries.of(true, false),
                        Arbitraries.of("p95", "50ms", "1s"), Arbitraries.of("X-Gitlab-Instance-Id", "x-tenant"),
                        Arbitraries.integers().between(0, 7))
                .as((attempts, hedge, delay, sticky, mask) -> {
                    Map<String, Object> route = subset(mask, "retry", map("max-attempts", attempts),
                            "hedge", map("enabled", hedge, "delay", delay), "sticky-header", sticky);
                    return route;
                });
    }

    private static Arbitrary<Object> sizes(long min) {
        return Arbitraries.oneOf(Arbitraries.longs().between(Math.max(min, 1), 1 << 20).map(n -> (Object) n),
                Arbitraries.longs().between(1, 1024).map(n -> (Object) (n + "KiB")),
                Arbitraries.longs().between(1, 64).map(n -> (Object) (n + "MiB")));
    }

    private static Arbitrary<String> durations() {
        return Combinators.combine(Arbitraries.longs().between(1, 10_000), Arbitraries.of("ms", "s", "m", "h"))
                .as((n, unit) -> n + unit);
    }

    private static void putIfNotEmpty(Map<String, Object> doc, String key, Map<String, Object> value) {
        if (!value.isEmpty()) {
            doc.put(key, value);
        }
    }

    /** The pairs whose bit is set in {@code mask}. */
    private static Map<String, Object> subset(int mask, Object... pairs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if ((mask & (1 << (i / 2))) != 0) {
                out.put((String) pairs[i], pairs[i + 1]);
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked") // the tree holds only maps with String keys and lists
    private static <T> T copy(T node) {
        if (node instanceof Map) {
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<String, Object>) node).forEach((k, v) -> out.put(k, copy(v)));
            return (T) out;
        }
        if (node instanceof List) {
            List<Object> out = new ArrayList<>();
            ((List<Object>) node).forEach(v -> out.add(copy(v)));
            return (T) out;
        }
        return node;
    }

    static Map<String, Object> map(Object... pairs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put((String) pairs[i], pairs[i + 1]);
        }
        return out;
    }

    // ---- mutations ---------------------------------------------------------------------------

    /** A YAML scalar written exactly as given (aliases, tags, special floats, references). */
    record Raw(String text) {}

    /** Changes one value somewhere in the tree, or adds an unknown key. */
    static final class TreeMutation {
        private static final List<Object> ODD_VALUES = List.of(
                -1L, 0L, 65_536L, Long.MAX_VALUE, Long.MIN_VALUE, 1e300, -0.0, 3.5, true, false, "",
                " ", "0", "10", "1x", "-5s", "5 s", "999999999999999999999h", "99999999999999999999", "1.5s",
                "0ms", "p95", "9223372036854775807ms", "16MB", "1TiB", "999999999999999GiB", "http://", "ftp://x",
                "http://[::1", "http://host:99999", "10.0.0.0/33", "::/129", "not-an-ip", "256.1.1.1",
                "${MERIDIAN_SET}", "${MERIDIAN_UNSET}", "${MERIDIAN_TEXT}", "${MERIDIAN_EMPTY}", "${}", "${1A}",
                "$${MERIDIAN_SET}", "a${MERIDIAN_SET}b", "${MERIDIAN_SET", "line\nbreak", "tab\there", "nul\0",
                "\uD83D\uDE00", "\u202E", new Raw(".nan"), new Raw(".inf"), new Raw("-.inf"), new Raw("~"),
                new Raw("null"), new Raw("0x1F"), new Raw("0o17"), new Raw("1_000"), new Raw("!!binary aGk="),
                new Raw("*nowhere"), new Raw("&anchor 5"), new Raw("${MERIDIAN_SET}"), new Raw("${MERIDIAN_UNSET}"),
                new Raw("${MERIDIAN_TEXT}"), new Raw("${MERIDIAN_EMPTY}"), new Raw("2001-12-14"), new Raw("'single'"),
                new Raw("|\n  literal\n"), new Raw("!!int 12"), new Raw("!custom x"));

        static void apply(Map<String, Object> doc, Random random) {
            List<Slot> slots = new ArrayList<>();
            collect(doc, slots);
            Slot slot = slots.get(random.nextInt(slots.size()));
            switch (random.nextInt(8)) {
                case 0 -> slot.set(ODD_VALUES.get(random.nextInt(ODD_VALUES.size())));
                case 1 -> slot.set(wrongType(slot.get(), random));
                case 2 -> slot.set("x".repeat(1 + random.nextInt(100_000)));
                case 3 -> slot.set(deep(1 + random.nextInt(random.nextBoolean() ? 40 : 3_000), random));
                case 4 -> addUnknownKey(doc, slots, random);
                case 5 -> slot.set(null);
                case 6 -> slot.remove();
                default -> slot.set(ODD_VALUES.get(random.nextInt(ODD_VALUES.size())));
            }
        }

        private static Object wrongType(Object value, Random random) {
            return switch (random.nextInt(4)) {
                case 0 -> value instanceof Map ? new ArrayList<Object>(List.of(1L, "two")) : map("k", value);
                case 1 -> value instanceof List ? "a string" : new ArrayList<>(List.of(value == null ? "x" : value));
                case 2 -> value instanceof String ? random.nextLong() : String.valueOf(value);
                default -> random.nextBoolean();
            };
        }

        /** Nested flow collections as text: built without recursion, so thousands of levels cannot overflow the writer. */
        private static Object deep(int depth, Random random) {
            StringBuilder open = new StringBuilder(depth * 4);
            StringBuilder close = new StringBuilder(depth);
            for (int i = 0; i < depth; i++) {
                boolean list = random.nextBoolean();
                open.append(list ? "[" : "{k: ");
                close.append(list ? ']' : '}');
            }
            return new Raw(open + "leaf" + close.reverse());
        }

        @SuppressWarnings("unchecked") // the tree holds only maps with String keys
        private static void addUnknownKey(Map<String, Object> doc, List<Slot> slots, Random random) {
            List<Map<String, Object>> maps = new ArrayList<>();
            maps.add(doc);
            for (Slot s : slots) {
                if (s.get() instanceof Map) {
                    maps.add((Map<String, Object>) s.get());
                }
            }
            String key = List.of("unknown", "Regions", "port ", "listen", "", "${MERIDIAN_SET}", "<<", "?", "a:b", "#x")
                    .get(random.nextInt(10));
            maps.get(random.nextInt(maps.size())).put(key, random.nextBoolean() ? 1L : "v");
        }

        @SuppressWarnings("unchecked") // the tree holds only maps with String keys and lists
        private static void collect(Object node, List<Slot> out) {
            if (node instanceof Map) {
                Map<String, Object> m = (Map<String, Object>) node;
                for (String key : new ArrayList<>(m.keySet())) {
                    out.add(new Slot(m, key, -1));
                    collect(m.get(key), out);
                }
            } else if (node instanceof List) {
                List<Object> l = (List<Object>) node;
                for (int i = 0; i < l.size(); i++) {
                    out.add(new Slot(l, null, i));
                    collect(l.get(i), out);
                }
            }
        }

        /** A place in the tree: a key of a mapping or an index of a list. */
        private record Slot(Object container, String key, int index) {
            @SuppressWarnings("unchecked")
            Object get() {
                return key != null ? ((Map<String, Object>) container).get(key) : ((List<Object>) container).get(index);
            }

            @SuppressWarnings("unchecked")
            void set(Object value) {
                if (key != null) {
                    ((Map<String, Object>) container).put(key, value);
                } else {
                    ((List<Object>) container).set(index, value);
                }
            }

            @SuppressWarnings("unchecked")
            void remove() {
                if (key != null) {
                    ((Map<String, Object>) container).remove(key);
                } else {
                    ((List<Object>) container).remove(index);
                }
            }
        }
    }

    /** Breaks the text: inserts, deletes, repeats or swaps characters and lines. */
    static final class TextMutation {
        private static final String[] INSERTS = {":", " ", "\t", "\n", "\r", "\r\n", "-", "- ", "[", "]", "{", "}",
            ",", "&a ", "*a", "!", "!!", "|", ">", "'", "\"", "#", "%", "@", "`", "?", "\\", "\0", "\u0085",
            "\uFEFF", "\uD800", "\uD83D\uDE00", "---\n", "...\n", "${", "${MERIDIAN_UNSET}", "<<: *a\n", "  ",
            "\u00A0"};

        static String apply(String text, Random random) {
            if (text.isEmpty()) {
                return INSERTS[random.nextInt(INSERTS.length)];
            }
            int at = random.nextInt(text.length() + 1);
            return switch (random.nextInt(6)) {
                case 0, 1 -> text.substring(0, at) + INSERTS[random.nextInt(INSERTS.length)] + text.substring(at);
                case 2 -> {
                    int end = Math.min(text.length(), at + 1 + random.nextInt(20));
                    yield text.substring(0, Math.min(at, end)) + text.substring(end);
                }
                case 3 -> text.substring(0, at); // truncated
                case 4 -> {
                    String[] lines = text.split("\n", -1);
                    int line = random.nextInt(lines.length);
                    List<String> out = new ArrayList<>(List.of(lines));
                    out.add(line, lines[line]); // a repeated line: duplicate keys, bad indentation
                    yield String.join("\n", out);
                }
                default -> {
                    char[] chars = text.toCharArray();
                    chars[Math.min(at, chars.length - 1)] = (char) random.nextInt(0x3000);
                    yield new String(chars);
                }
            };
        }
    }

    // ---- rendering ---------------------------------------------------------------------------

    /** Writes a tree as YAML, in block style (indented) or flow style (JSON-like). */
    static final class Yaml {
        private Yaml() {}

        static String block(Map<String, Object> doc) {
            StringBuilder out = new StringBuilder();
            blockMap(doc, 0, out);
            return out.toString();
        }

        static String flow(Map<String, Object> doc) {
            StringBuilder out = new StringBuilder();
            flowValue(doc, out);
            return out.append('\n').toString();
        }

        @SuppressWarnings("unchecked") // the tree holds only maps with String keys and lists
        private static void blockMap(Map<String, Object> map, int indent, StringBuilder out) {
            for (Map.Entry<String, Object> e : map.entrySet()) {
                out.append(" ".repeat(indent)).append(key(e.getKey())).append(':');
                Object v = e.getValue();
                if (v instanceof Map && !((Map<String, Object>) v).isEmpty()) {
                    out.append('\n');
                    blockMap((Map<String, Object>) v, indent + 2, out);
                } else if (v instanceof List && !((List<Object>) v).isEmpty()) {
                    out.append('\n');
                    blockList((List<Object>) v, indent + 2, out);
                } else {
                    out.append(' ');
                    flowValue(v, out);
                    out.append('\n');
                }
            }
        }

        @SuppressWarnings("unchecked") // the tree holds only maps with String keys and lists
        private static void blockList(List<Object> list, int indent, StringBuilder out) {
            for (Object v : list) {
                out.append(" ".repeat(indent)).append("- ");
                if (v instanceof Map && !((Map<String, Object>) v).isEmpty()) {
                    StringBuilder item = new StringBuilder();
                    blockMap((Map<String, Object>) v, indent + 2, item);
                    out.append(item.substring(indent + 2)); // the first key goes on the dash's line
                } else {
                    flowValue(v, out);
                    out.append('\n');
                }
            }
        }

        @SuppressWarnings("unchecked") // the tree holds only maps with String keys and lists
        private static void flowValue(Object v, StringBuilder out) {
            if (v instanceof Map) {
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, Object> e : ((Map<String, Object>) v).entrySet()) {
                    out.append(first ? "" : ", ").append(key(e.getKey())).append(": ");
                    flowValue(e.getValue(), out);
                    first = false;
                }
                out.append('}');
            } else if (v instanceof List) {
                out.append('[');
                boolean first = true;
                for (Object item : (List<Object>) v) {
                    out.append(first ? "" : ", ");
                    flowValue(item, out);
                    first = false;
                }
                out.append(']');
            } else if (v instanceof Raw) {
                out.append(((Raw) v).text());
            } else if (v instanceof String) {
                out.append(quoted((String) v));
            } else {
                out.append(v); // numbers, booleans, null
            }
        }

        /**
         * Compiled once: flowValue recurses as deep as the document nests (mutations stack up to
         * several thousand levels), and compiling a pattern at the bottom of that overflowed the stack.
         */
        private static final java.util.regex.Pattern PLAIN_KEY = java.util.regex.Pattern.compile("[a-z][a-z0-9-]*");

        private static String key(String key) {
            return PLAIN_KEY.matcher(key).matches() ? key : quoted(key);
        }

        /** A double-quoted YAML scalar: JSON's escapes are YAML's. */
        private static String quoted(String s) {
            StringBuilder out = new StringBuilder("\"");
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\t' -> out.append("\\t");
                    default -> {
                        if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) || (c >= 0x80 && c < 0xa0)) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            return out.append('"').toString();
        }
    }
}
