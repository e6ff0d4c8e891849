package dev.meridian.config.loading;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.meridian.config.loading.Problems.Origin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads YAML into a {@link SourceTree}, walking Jackson's YAML token stream directly so that the
 * line and column of every key and value are kept (a tree read by {@code ObjectMapper} forgets
 * them), duplicate keys are caught (Jackson would keep the last one silently) and environment
 * references are substituted with the type YAML would give the substituted text.
 */
final class YamlSourceReader {

    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();
    private static final ObjectMapper SCALARS = new ObjectMapper(FACTORY);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Text that can only be a plain YAML scalar (number, boolean, null, word), never structure. */
    private static final Pattern SCALAR_SAFE = Pattern.compile("[A-Za-z0-9_+.~-]*");

    /** {@code  in 'reader', line 2, column 4:} as printed by snakeyaml's marks. */
    private static final Pattern MARK_LINE = Pattern.compile(" in '[^']*', line (\\d+), column (\\d+)(:?)");

    private final String source;
    private final int[] lineStarts;
    private final Map<String, String> env;
    private final Problems problems;
    private final Map<KeyPath, Mark> valueMarks = new HashMap<>();
    private final Map<KeyPath, Mark> keyMarks = new HashMap<>();
    private final YAMLParser parser;

    private YamlSourceReader(String source, Map<String, String> env, Problems problems, YAMLParser parser) {
        this.source = source;
        this.lineStarts = lineStarts(source);
        this.env = env;
        this.problems = problems;
        this.parser = parser;
    }

    /**
     * Reads one YAML document whose top level must be a mapping.
     *
     * @return the tree, or {@code null} when nothing useful could be read (empty file, syntax
     *     error, not a mapping); the reason is then in {@code problems}
     */
    public static @Nullable SourceTree read(String text, Map<String, String> env, Problems problems) {
        String source = text.startsWith("\uFEFF") ? text.substring(1) : text;
        // Problems found before a syntax error are dropped with the unusable tree: the syntax error alone is reported.
        Problems found = new Problems();
        try (YAMLParser parser = FACTORY.createParser(source)) {
            try {
                SourceTree tree = new YamlSourceReader(source, env, found, parser).readDocument();
                problems.addAll(found);
                return tree;
            } catch (JsonProcessingException e) {
                addSyntaxProblem(e, whereTheParserStopped(parser), problems);
                return null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading from a String cannot fail", e);
        }
    }

    /**
     * Where the parser was when it threw: the token it was reading, else the position it had read
     * to. The fallback for exceptions without a location of their own, such as Jackson's
     * {@code StreamConstraintsException} for a document nested deeper than its limit (thrown as
     * the first collection beyond the limit starts, so its token's position is the right one).
     */
    private static Mark whereTheParserStopped(YAMLParser parser) {
        Mark token = mark(parser.currentTokenLocation());
        return token.equals(Mark.UNKNOWN) ? mark(parser.currentLocation()) : token;
    }

    private @Nullable SourceTree readDocument() throws IOException {
        JsonToken first = parser.nextToken();
        if (first == null || first == JsonToken.VALUE_NULL
                || (first == JsonToken.VALUE_STRING && parser.getText().isEmpty())) { // "---" alone, after a comment
            problems.add(Origin.SOURCE, KeyPath.ROOT, Mark.UNKNOWN,
                    "the file is empty (expected a mapping with at least 'regions')");
            return null;
        }
        Mark start = mark(parser.currentTokenLocation());
        if (first != JsonToken.START_OBJECT) {
            JsonNode found = value(first, KeyPath.ROOT, false);
            problems.add(Origin.SOURCE, KeyPath.ROOT, start,
                    "expected a mapping at the top level, found " + Values.describe(found));
            return null;
        }
        JsonNode root = value(first, KeyPath.ROOT, true);
        if (parser.nextToken() != null) {
            problems.add(Origin.SOURCE, KeyPath.ROOT, mark(parser.currentTokenLocation()),
                    "a second YAML document starts here (expected exactly one document per file)");
        }
        return new SourceTree(root, valueMarks, keyMarks);
    }

    /** Reads the value starting at the current token; {@code keep} false reads past an ignored (duplicate) value. */
    private JsonNode value(JsonToken token, KeyPath path, boolean keep) throws IOException {
        Mark mark = mark(parser.currentTokenLocation());
        if (keep) {
            valueMarks.put(path, mark);
        }
        if (parser.isCurrentAlias()) {
            if (keep) {
                problems.add(Origin.SOURCE, path, mark,
                        "YAML alias *" + parser.getText() + " is not supported (expected the value written out)");
            }
            return TextNode.valueOf("*" + parser.getText());
        }
        switch (token) {
            case START_OBJECT:
                return mapping(path, keep);
            case START_ARRAY:
                ArrayNode list = NODES.arrayNode();
                JsonToken t;
                while ((t = parser.nextToken()) != JsonToken.END_ARRAY) {
                    list.add(value(t, path.index(list.size()), keep));
                }
                return list;
            case VALUE_STRING:
                return keep ? string(parser.getText(), path, mark) : TextNode.valueOf(parser.getText());
            case VALUE_NUMBER_INT:
                return switch (parser.getNumberType()) {
                    case INT -> NODES.numberNode(parser.getIntValue());
                    case LONG -> NODES.numberNode(parser.getLongValue());
                    default -> NODES.numberNode(parser.getBigIntegerValue());
                };
            case VALUE_NUMBER_FLOAT:
                return NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE:
                return NODES.booleanNode(true);
            case VALUE_FALSE:
                return NODES.booleanNode(false);
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                return TextNode.valueOf(parser.getText()); // e.g. !!binary: shown as text, rejected by the schema
        }
    }

    private ObjectNode mapping(KeyPath path, boolean keep) throws IOException {
        ObjectNode mapping = NODES.objectNode();
        JsonToken t;
        while ((t = parser.nextToken()) != JsonToken.END_OBJECT) {
            String name = parser.currentName();
            Mark keyMark = mark(parser.currentTokenLocation());
            KeyPath child = path.key(name);
            JsonToken valueToken = parser.nextToken();
            if (mapping.has(name)) {
                if (keep) {
                    Mark first = keyMarks.getOrDefault(child, Mark.UNKNOWN);
                    problems.addIndependent(child, keyMark,
                            "duplicate key (first defined at line " + first.line() + ", column " + first.column() + ")");
                }
                value(valueToken, child, false);
            } else {
                if (keep) {
                    keyMarks.put(child, keyMark);
                }
                mapping.set(name, value(valueToken, child, keep));
            }
        }
        return mapping;
    }

    private JsonNode string(String raw, KeyPath path, Mark mark) {
        if (!EnvSubstitution.mayContainReference(raw)) {
            return TextNode.valueOf(raw);
        }
        EnvSubstitution.Result result = EnvSubstitution.apply(raw, env);
        if (!result.problems().isEmpty()) {
            for (String p : result.problems()) {
                problems.add(Origin.SOURCE, path, mark, p);
            }
            return TextNode.valueOf(raw);
        }
        if (EnvSubstitution.wholeReference(raw) != null && isPlainScalarAt(mark)) {
            return plainScalar(result.text());
        }
        return TextNode.valueOf(result.text());
    }

    /** The node YAML gives {@code text} written as a plain (unquoted) scalar: {@code 8080} is a number, {@code true} a boolean. */
    private static JsonNode plainScalar(String text) {
        if (text.isEmpty()) {
            return NODES.nullNode(); // "key:" with nothing after it
        }
        if (!SCALAR_SAFE.matcher(text).matches()) {
            return TextNode.valueOf(text);
        }
        try {
            JsonNode node = SCALARS.readTree("v: " + text).get("v");
            return node != null && node.isValueNode() ? node : TextNode.valueOf(text);
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(text); // e.g. ".inf", which Jackson does not represent: keep the text
        }
    }

    /** Whether the scalar starting at {@code mark} is plain: not quoted, not a block scalar, not tagged. */
    private boolean isPlainScalarAt(Mark mark) {
        int i = index(mark);
        if (i < 0 || i >= source.length()) {
            return false;
        }
        if (source.charAt(i) == '&') { // an anchor may precede the scalar
            while (i < source.length() && !Character.isWhitespace(source.charAt(i))) {
                i++;
            }
            while (i < source.length() && (source.charAt(i) == ' ' || source.charAt(i) == '\t')) {
                i++;
            }
            if (i >= source.length()) {
                return false;
            }
        }
        return "\"'|>!".indexOf(source.charAt(i)) < 0;
    }

    /** The char index of a mark; snakeyaml counts columns in code points. */
    private int index(Mark mark) {
        if (mark.line() < 1 || mark.line() > lineStarts.length) {
            return -1;
        }
        int start = lineStarts[mark.line() - 1];
        try {
            return source.offsetByCodePoints(start, mark.column() - 1);
        } catch (IndexOutOfBoundsException e) {
            return -1;
        }
    }

    private static int[] lineStarts(String source) {
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '\n' || (c == '\r' && (i + 1 >= source.length() || source.charAt(i + 1) != '\n'))) {
                starts.add(i + 1);
            }
        }
        return starts.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Mark mark(JsonLocation location) {
        return location.getLineNr() > 0 && location.getColumnNr() > 0
                ? new Mark(location.getLineNr(), location.getColumnNr())
                : Mark.UNKNOWN;
    }

    /**
     * Turns snakeyaml's multi-line message (context, its mark and a snippet, then the problem,
     * its mark and a snippet) into one line at the problem's position. An exception that carries
     * no position at all (Jackson's own limits) is placed where the parser stopped.
     */
    private static void addSyntaxProblem(JsonProcessingException e, Mark whereTheParserStopped, Problems problems) {
        String original = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        List<String> texts = new ArrayList<>();
        List<Mark> marks = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        String[] lines = original.split("\r\n|\r|\n", -1); // snakeyaml may quote a bare CR it found
        for (int i = 0; i < lines.length; i++) {
            Matcher m = MARK_LINE.matcher(lines[i]);
            if (m.matches()) {
                texts.add(text.toString().trim());
                marks.add(new Mark(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
                text.setLength(0);
                if (!m.group(3).isEmpty()) {
                    while (i + 1 < lines.length && !lines[i].trim().equals("^")) {
                        i++; // skip the snippet and its caret line
                    }
                }
            } else if (!lines[i].isBlank()) {
                text.append(text.length() > 0 ? "\n" : "").append(lines[i].trim());
            }
        }
        if (text.length() > 0) {
            texts.add(text.toString().trim());
            marks.add(Mark.UNKNOWN);
        }
        if (marks.isEmpty() || marks.stream().allMatch(m -> m.equals(Mark.UNKNOWN))) {
            JsonLocation location = e.getLocation();
            Mark at = location == null ? Mark.UNKNOWN : mark(location);
            problems.add(Origin.SOURCE, KeyPath.ROOT, at.equals(Mark.UNKNOWN) ? whereTheParserStopped : at,
                    "YAML error: " + String.join(" ", original.trim().split("\\s*[\\r\\n]+\\s*")));
            return;
        }
        int problem = marks.size() - 1;
        while (problem > 0 && marks.get(problem).equals(Mark.UNKNOWN)) {
            problem--;
        }
        String[] problemLines = texts.get(problem).split("\n");
        // Without a mark of its own, a context ("while scanning ...") is the first line of the problem text.
        String message = problemLines.length > 1 && problemLines[0].startsWith("while ")
                ? String.join(" ", List.of(problemLines).subList(1, problemLines.length))
                : String.join(" ", problemLines);
        StringBuilder line = new StringBuilder("YAML syntax error: ").append(message);
        if (problem > 0 && !texts.get(problem - 1).isEmpty() && !marks.get(problem - 1).equals(Mark.UNKNOWN)
                && !marks.get(problem - 1).equals(marks.get(problem))) {
            Mark context = marks.get(problem - 1);
            line.append(" (").append(texts.get(problem - 1).replace('\n', ' '))
                    .append(" started at line ").append(context.line()).append(", column ").append(context.column()).append(')');
        }
        problems.add(Origin.SOURCE, KeyPath.ROOT, marks.get(problem), line.toString());
    }
}
