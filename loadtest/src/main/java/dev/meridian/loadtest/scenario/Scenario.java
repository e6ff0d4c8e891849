package dev.meridian.loadtest.scenario;

import static java.util.Objects.requireNonNull;

import dev.meridian.loadtest.load.TimelinePlot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A scenario as data, played by {@link ScenarioRunner}: the world it starts, the load it sends,
 * what happens when (steps on a timeline since the load started), and what its report says: what
 * it measured ({@code F}, read from the run once the load is over), the set-up paragraphs, its own
 * sections, its checks (verdict lines as functions of {@code F}) and its timeline plot.
 *
 * <pre>{@code
 * Scenario<Findings> outage = Scenario.<Findings>builder("region-outage", "region-outage: every gateway of us-east4 down")
 *         .testbed(Testbed.builder().region(A, 39.04, -77.49, 2).region(B, 51.51, -0.13, 2))
 *         .load(new Scenario.Load(1000, Duration.ofSeconds(55), 512, null))
 *         .watch(A, TrafficSampler.Signal.ROUTER_ATTEMPTS)
 *         .fault(Duration.ofSeconds(20), "every gateway of us-east4 goes down", A, RegionFault.outage())
 *         .measure(run -> analyse(run))
 *         .check(f -> Verdict.of(f.errors() == 0, "a hard-down region costs clients no errors", ...))
 *         ...
 *         .build();
 * ScenarioRunner.run(outage, options);
 * }</pre>
 *
 * @param <F> what the scenario measured, the argument of everything that writes its report
 */
record Scenario<F>(
        String name,
        String title,
        String announcement,
        Testbed.Builder testbed,
        Load load,
        @Nullable String watched,
        TrafficSampler.@Nullable Signal signal,
        List<Step> timeline,
        List<Function<ScenarioRun, AutoCloseable>> companions,
        Function<ScenarioRun, F> measure,
        Function<F, List<String>> setup,
        BiConsumer<F, ScenarioReport> sections,
        @Nullable Function<F, Details> details,
        List<Function<F, Verdict>> checks,
        Function<F, TimelinePlot> timelinePlot) {

    /**
     * The open-loop load of completions from New York.
     *
     * @param timeout the generator's per-request timeout; {@code null} for its default
     */
    record Load(double rate, Duration duration, int connections, @Nullable Duration timeout) {
    }

    /**
     * Something that happens {@code at} a time since the load started. An event is announced,
     * listed in the run's events (with the requests in flight to the watched region just before
     * it) and, when it has a {@code marker}, drawn on the timeline; an observation is none of these.
     */
    record Step(Duration at, String label, @Nullable String marker, boolean event, Consumer<ScenarioRun> action) {
    }

    /** A collapsed block of the report, after the load summary. */
    record Details(String summary, String markdown) {
    }

    /** A verdict line: an expectation that held or not (or, without a mark, a figure to note) and what was measured. */
    record Verdict(@Nullable Boolean held, String expectation, String measured) {

        static Verdict of(boolean held, String expectation, String measured) {
            return new Verdict(held, expectation, measured);
        }

        static Verdict info(String line) {
            return new Verdict(null, line, "");
        }
    }

    static <F> Builder<F> builder(String name, String title) {
        return new Builder<>(name, title);
    }

    /** What a scenario is made of; only the name, title, testbed, load, measure and plot are required. */
    static final class Builder<F> {
        private final String name;
        private final String title;
        private String announcement = "";
        private Testbed.@Nullable Builder testbed;
        private @Nullable Load load;
        private @Nullable String watched;
        private TrafficSampler.@Nullable Signal signal;
        private final List<Step> timeline = new ArrayList<>();
        private final List<Function<ScenarioRun, AutoCloseable>> companions = new ArrayList<>();
        private @Nullable Function<ScenarioRun, F> measure;
        private Function<F, List<String>> setup = f -> List.of();
        private BiConsumer<F, ScenarioReport> sections = (f, report) -> { };
        private @Nullable Function<F, Details> details;
        private final List<Function<F, Verdict>> checks = new ArrayList<>();
        private @Nullable Function<F, TimelinePlot> timelinePlot;

        private Builder(String name, String title) {
            this.name = requireNonNull(name, "name");
            this.title = requireNonNull(title, "title");
        }

        /** The line printed when the scenario starts. */
        Builder<F> announcement(String line) {
            this.announcement = line;
            return this;
        }

        Builder<F> testbed(Testbed.Builder builder) {
            this.testbed = builder;
            return this;
        }

        Builder<F> load(Load shape) {
            this.load = shape;
            return this;
        }

        /**
         * The region the scenario breaks: the requests in flight to it are noted at each event and,
         * with a {@code signal}, its and every other region's traffic is sampled (see {@link TrafficSampler}).
         */
        Builder<F> watch(String region, TrafficSampler.@Nullable Signal trafficSignal) {
            this.watched = region;
            this.signal = trafficSignal;
            return this;
        }

        /** An event drawn on the timeline with its label. */
        Builder<F> at(Duration at, String label, Consumer<ScenarioRun> action) {
            return step(new Step(at, label, label, true, action));
        }

        /** {@code fault} applied to {@code region}'s gateways at {@code at} (an event). */
        Builder<F> fault(Duration at, String label, String region, RegionFault fault) {
            return at(at, label, run -> fault.applyTo(run.bed().gateways(region)));
        }

        /** {@code fault} undone on {@code region}'s gateways at {@code at} (an event). */
        Builder<F> undo(Duration at, String label, String region, RegionFault fault) {
            return at(at, label, run -> fault.undoOn(run.bed().gateways(region)));
        }

        /** An observation at {@code at}: run, but not announced, listed or drawn. */
        Builder<F> observe(Duration at, Consumer<ScenarioRun> action) {
            return step(new Step(at, "", null, false, action));
        }

        Builder<F> step(Step step) {
            timeline.add(requireNonNull(step, "step"));
            return this;
        }

        /** Something started with the load and closed after the report is written (a sampler, a second load). */
        Builder<F> companion(Function<ScenarioRun, AutoCloseable> start) {
            companions.add(start);
            return this;
        }

        /** Reads what the run measured, once the load is over (the testbed still runs). */
        Builder<F> measure(Function<ScenarioRun, F> function) {
            this.measure = function;
            return this;
        }

        /** The report's opening paragraphs. */
        Builder<F> setup(Function<F, List<String>> paragraphs) {
            this.setup = paragraphs;
            return this;
        }

        /** The report's own sections, between the set-up and the load summary. */
        Builder<F> sections(BiConsumer<F, ScenarioReport> writer) {
            this.sections = writer;
            return this;
        }

        /** The collapsed block after the load summary; without one, the per-second table (when traffic is sampled). */
        Builder<F> details(Function<F, Details> block) {
            this.details = block;
            return this;
        }

        Builder<F> check(Function<F, Verdict> check) {
            checks.add(check);
            return this;
        }

        /** The timeline plot's title and panels; the runner shades the warm-up and marks the events. */
        Builder<F> timelinePlot(Function<F, TimelinePlot> plot) {
            this.timelinePlot = plot;
            return this;
        }

        Scenario<F> build() {
            List<Step> ordered = new ArrayList<>(timeline);
            ordered.sort(Comparator.comparing(Step::at));
            return new Scenario<>(name, title, announcement, requireNonNull(testbed, "testbed"), requireNonNull(load, "load"),
                    watched, signal, List.copyOf(ordered), List.copyOf(companions), requireNonNull(measure, "measure"),
                    setup, sections, details, List.copyOf(checks), requireNonNull(timelinePlot, "timelinePlot"));
        }
    }
}
