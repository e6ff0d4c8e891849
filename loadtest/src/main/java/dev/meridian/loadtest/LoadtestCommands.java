package dev.meridian.loadtest;

import dev.meridian.loadtest.demo.DemoCommand;
import dev.meridian.loadtest.gateway.GatewayMain;
import dev.meridian.loadtest.load.LoadgenCommand;
import dev.meridian.loadtest.scenario.ScenarioCommand;
import dev.meridian.router.CommandExtension;
import picocli.CommandLine;

/**
 * Adds {@code meridian demo}, {@code meridian gateway} (a standalone simulated gateway),
 * {@code meridian loadgen} (the load generator) and {@code meridian scenario} (load and failover
 * scenarios) to the command line when this module is on the class path (as in
 * {@code loadtest/target/meridian-loadtest.jar}).
 */
public final class LoadtestCommands implements CommandExtension {

    @Override
    public void addTo(CommandLine root) {
        root.addSubcommand("demo", new DemoCommand());
        root.addSubcommand("gateway", new GatewayMain());
        root.addSubcommand("loadgen", new LoadgenCommand());
        root.addSubcommand("scenario", new ScenarioCommand());
    }
}
