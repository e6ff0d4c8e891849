package dev.meridian.config.loading;

import dev.meridian.config.syntax.QuotedText;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * {@code ${NAME}} references in scalar values, replaced by environment variables so that secrets
 * and per-host values stay out of the file. {@code $${} is a literal {@code ${}. Substituted text
 * is not scanned again.
 */
final class EnvSubstitution {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern WHOLE = Pattern.compile("\\$\\{(" + NAME.pattern() + ")}");

    /**
     * The substituted text, or the problems that prevented it.
     *
     * @param text the value with every reference replaced (meaningless when there are problems)
     * @param problems one-line messages, empty when every reference resolved
     */
    public record Result(String text, List<String> problems) {
        public Result {
            requireNonNull(text, "text");
            problems = List.copyOf(requireNonNull(problems, "problems"));
        }
    }

    private EnvSubstitution() {}

    /** True when the value may contain a reference or an escape, i.e. is worth substituting. */
    public static boolean mayContainReference(String raw) {
        return raw.contains("${");
    }

    /** Replaces every reference in {@code raw} using {@code env}. */
    public static Result apply(String raw, Map<String, String> env) {
        StringBuilder out = new StringBuilder(raw.length());
        Set<String> problems = new LinkedHashSet<>();
        int i = 0;
        while (i < raw.length()) {
            if (raw.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (raw.startsWith("${", i)) {
                int close = raw.indexOf('}', i + 2);
                if (close < 0) {
                    problems.add("'${' is not closed (expected ${NAME}; write $${ for a literal ${)");
                    break;
                }
                String name = raw.substring(i + 2, close);
                if (!NAME.matcher(name).matches()) {
                    problems.add(QuotedText.of("${" + name + "}")
                            + " is not a variable reference (expected ${NAME} with letters, digits and _; write $${ for a literal ${)");
                } else {
                    String value = env.get(name);
                    if (value == null) {
                        problems.add("environment variable " + name + " is not set");
                    } else {
                        out.append(value);
                    }
                }
                i = close + 1;
            } else {
                out.append(raw.charAt(i));
                i++;
            }
        }
        return new Result(out.toString(), new ArrayList<>(problems));
    }

    /** The variable name when {@code raw} is exactly one reference ({@code ${PORT}}), else {@code null}. */
    public static @Nullable String wholeReference(String raw) {
        Matcher m = WHOLE.matcher(raw);
        return m.matches() ? m.group(1) : null;
    }
}
