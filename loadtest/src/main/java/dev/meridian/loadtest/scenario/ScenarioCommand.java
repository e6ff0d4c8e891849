package dev.meridian.loadtest.scenario;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code meridian scenario NAME}: runs one scenario and writes {@code OUT/NAME.md} (setup, figures,
 * verdict lines), {@code OUT/NAME.svg} (latency by percentile) and {@code OUT/NAME-timeline.svg}
 * (per-second latency, errors and traffic per region).
 *
 * <pre>{@code
 * meridian scenario baseline --out results/
 * meridian scenario region-outage --rate 1000 --out results/
 * meridian scenario soak --duration 10m --out results/
 * }</pre>
 *
 * <p>Everything runs in this JVM on loopback, so the load generator, the router and the simulated
 * gateways share the machine's cores: the figures describe behaviour (errors, how fast traffic
 * moves) more than the router's best latency, which {@code loadtest/bench/side-by-side.sh}
 * measures with each program on its own core.
 */
@Command(name = "scenario", mixinStandardHelpOptions = true,
        description = {"Runs a load or failure scenario in-process on loopback and writes a report.",
            "Scenarios: baseline, region-outage, black-hole, slow-region, brownout, weight-shift, slo-burn, soak, fleet-lag (needs etcd);"
                    + " bench-report summarises loadtest/bench/side-by-side.sh results."},
        subcommands = {
            BaselineScenario.class,
            FailoverScenario.RegionOutage.class,
            FailoverScenario.BlackHole.class,
            FailoverScenario.SlowRegion.class,
            FailoverScenario.Brownout.class,
            WeightShiftScenario.class,
            SloBurnScenario.class,
            SoakScenario.class,
            FleetLagScenario.class,
            BenchReportCommand.class,
        })
public final class ScenarioCommand implements Runnable {

    @Spec
    @Nullable CommandSpec spec;

    /** Without a scenario name: the usage, listing them. */
    @Override
    public void run() {
        if (spec != null) {
            spec.commandLine().usage(spec.commandLine().getErr());
        }
    }
}
