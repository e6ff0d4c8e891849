package dev.meridian.loadtest.scenario;

import dev.meridian.loadtest.DurationArgument;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The options every scenario takes. Unset ones ({@code null}) take the scenario's own default,
 * which its {@code --help} states.
 */
final class ScenarioOptions {

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "results",
            description = "Directory for NAME.md, NAME.svg, NAME-timeline.svg and NAME.json (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("results");

    @Option(names = "--rate", paramLabel = "N", description = "Requests per second (open loop).")
    @Nullable Double rate;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationArgument.class,
            description = "Measured time of the load (after the warm-up).")
    @Nullable Duration duration;

    @Option(names = "--warmup", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "5s",
            description = "Load before the measured part, left out of the figures (default: ${DEFAULT-VALUE}).")
    Duration warmup = Duration.ofSeconds(5);

    @Option(names = "--connections", paramLabel = "N", description = "Load generator connections.")
    @Nullable Integer connections;

    @Option(names = {"-q", "--quiet"}, description = "No progress line.")
    boolean quiet;

    double rate(double fallback) {
        return rate != null ? rate : fallback;
    }

    Duration duration(Duration fallback) {
        return duration != null ? duration : fallback;
    }

    int connections(int fallback) {
        return connections != null ? connections : fallback;
    }

    @Nullable PrintStream progress() {
        return quiet ? null : System.err;
    }
}
