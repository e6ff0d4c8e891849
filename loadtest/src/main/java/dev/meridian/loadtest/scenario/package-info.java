/**
 * {@code meridian scenario}: failure and load scenarios run in-process on loopback (simulated
 * gateway regions, the router, the load generator), each a {@link dev.meridian.loadtest.scenario.Scenario}
 * played by {@link dev.meridian.loadtest.scenario.ScenarioRunner}, which writes a markdown report and plots; and
 * {@code meridian scenario bench-report}, the summariser of {@code loadtest/bench/side-by-side.sh}.
 */
@NullMarked
package dev.meridian.loadtest.scenario;

import org.jspecify.annotations.NullMarked;
