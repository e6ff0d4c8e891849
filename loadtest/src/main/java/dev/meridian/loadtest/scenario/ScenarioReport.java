package dev.meridian.loadtest.scenario;

import dev.meridian.loadtest.DurationArgument;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.meridian.loadtest.load.ErrorKind;
import dev.meridian.loadtest.load.LoadResult;
import dev.meridian.loadtest.load.TimelineSecond;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * A scenario's report in markdown: headings, paragraphs, tables, the configuration, and verdict
 * lines ({@code PASS}/{@code FAIL} against a stated expectation, or {@code INFO}).
 */
final class ScenarioReport {

    private final StringBuilder text = new StringBuilder();
    private final List<String> verdicts = new ArrayList<>();

    ScenarioReport(String title) {
        text.append("# ").append(title).append("\n\n");
    }

    ScenarioReport heading(String heading) {
        text.append("## ").append(heading).append("\n\n");
        return this;
    }

    ScenarioReport paragraph(String paragraph) {
        text.append(paragraph).append("\n\n");
        return this;
    }

    ScenarioReport bullets(List<String> lines) {
        lines.forEach(line -> text.append("- ").append(line).append('\n'));
        text.append('\n');
        return this;
    }

    ScenarioReport code(String language, String code) {
        text.append("```").append(language).append('\n').append(code.strip()).append("\n```\n\n");
        return this;
    }

    ScenarioReport table(List<String> header, List<List<String>> rows) {
        text.append("| ").append(String.join(" | ", header)).append(" |\n|");
        header.forEach(h -> text.append("---|"));
        text.append('\n');
        for (List<String> row : rows) {
            text.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        text.append('\n');
        return this;
    }

    /** A collapsed block (GitHub renders {@code <details>}). */
    ScenarioReport details(String summary, String markdown) {
        text.append("<details><summary>").append(summary).append("</summary>\n\n").append(markdown.strip()).append("\n\n</details>\n\n");
        return this;
    }

    /** A verdict line: {@code expectation} held ({@code PASS}) or not ({@code FAIL}), with the measured figure. */
    ScenarioReport verdict(boolean held, String expectation, String measured) {
        verdicts.add("**" + (held ? "PASS" : "FAIL") + "** " + expectation + ": " + measured);
        return this;
    }

    ScenarioReport verdict(Scenario.Verdict verdict) {
        return verdict.held() == null ? info(verdict.expectation()) : verdict(verdict.held(), verdict.expectation(), verdict.measured());
    }

    /** The {@code Figures} section: a two-column table of what was measured. */
    ScenarioReport figures(List<List<String>> rows) {
        return heading("Figures").table(List.of("", "measured"), rows);
    }

    /** A figure without a pass mark. */
    ScenarioReport info(String line) {
        verdicts.add("**INFO** " + line);
        return this;
    }

    /** Count, rate, errors and the time-to-first-byte percentiles of a run, as a table row set. */
    ScenarioReport loadSummary(LoadResult result) {
        Histogram ttfb = result.ttfb();
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("load", result.spec().mode().label() + (result.spec().rate() > 0
                ? " " + number(result.spec().rate()) + " req/s" : ", concurrency " + result.spec().connections())
                + ", " + result.spec().connections() + " connections, " + DurationArgument.format(result.measuredDuration())
                + " measured after " + DurationArgument.format(result.spec().warmup()) + " warm-up"));
        rows.add(List.of("requests", result.sent() + " sent, " + result.requests() + " answered ("
                + number(result.achievedRate()) + "/s)"));
        rows.add(List.of("client errors", errors(result)));
        rows.add(List.of("time to first byte", percentiles(ttfb)));
        table(List.of("", "measured"), rows);
        return this;
    }

    static String errors(LoadResult result) {
        long total = result.errorCount();
        StringBuilder kinds = new StringBuilder();
        for (Map.Entry<ErrorKind, Long> kind : result.errors().entrySet()) {
            if (kind.getValue() > 0) {
                kinds.append(kinds.length() == 0 ? " (" : ", ").append(kind.getKey().label()).append(' ').append(kind.getValue());
            }
        }
        if (kinds.length() > 0) {
            kinds.append(')');
        }
        long attempted = Math.max(1, result.sent() + result.unsent());
        return total + String.format(Locale.ROOT, " = %.3f %%", 100.0 * total / attempted) + kinds;
    }

    static String percentiles(Histogram micros) {
        if (micros.getTotalCount() == 0) {
            return "no samples";
        }
        return "p50 " + ms(micros.getValueAtPercentile(50)) + ", p99 " + ms(micros.getValueAtPercentile(99))
                + ", p99.9 " + ms(micros.getValueAtPercentile(99.9)) + ", max " + ms(micros.getMaxValue());
    }

    /** Microseconds as milliseconds, {@code 1.23 ms}. */
    static String ms(double micros) {
        double millis = micros / 1000.0;
        return String.format(Locale.ROOT, millis < 10 ? "%.2f ms" : millis < 100 ? "%.1f ms" : "%.0f ms", millis);
    }

    static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.1f", value);
    }

    /** Milliseconds as seconds, {@code 1.2 s}; {@code -} for a negative (never happened) value. */
    static String seconds(long millis) {
        return millis < 0 ? "never" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /** A per-second table of the timeline, with extra columns from {@code extra} (second index → cells). */
    static String timelineTable(List<TimelineSecond> seconds, List<String> extraHeader,
            java.util.function.IntFunction<List<String>> extra) {
        StringBuilder table = new StringBuilder();
        List<String> header = new ArrayList<>(List.of("second", "sent", "answered", "errors", "TTFB p50 ms", "TTFB p99 ms"));
        header.addAll(extraHeader);
        table.append("| ").append(String.join(" | ", header)).append(" |\n|");
        header.forEach(h -> table.append("---:|"));
        table.append('\n');
        for (TimelineSecond second : seconds) {
            List<String> row = new ArrayList<>(List.of(second.second() + (second.warmup() ? " (warm-up)" : ""),
                    Long.toString(second.sent()), Long.toString(second.completed()), Long.toString(second.errors()),
                    String.format(Locale.ROOT, "%.2f", second.ttfbP50Millis()),
                    String.format(Locale.ROOT, "%.2f", second.ttfbP99Millis())));
            row.addAll(extra.apply(second.second()));
            table.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        return table.toString();
    }

    /** Writes the report, with the verdict lines at the end under "Verdict". */
    void writeTo(Path file) {
        StringBuilder all = new StringBuilder(text);
        if (!verdicts.isEmpty()) {
            all.append("## Verdict\n\n");
            verdicts.forEach(line -> all.append("- ").append(line).append('\n'));
            all.append('\n');
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, all.toString(), UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Prints the verdict lines (without the markdown emphasis) to standard output, after a blank line. */
    void printVerdicts() {
        System.out.println();
        verdicts.forEach(line -> System.out.println(line.replace("**", "")));
    }
}
