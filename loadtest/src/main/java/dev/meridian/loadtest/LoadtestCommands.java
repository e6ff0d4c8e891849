package dev.meridian.loadtest;

import dev.meridian.loadtest.demo.DemoCommand;
import dev.meridian.loadtest.gateway.GatewayMain;
import dev.meridian.router.CommandExtension;
import picocli.CommandLine;

/**
 * Adds {@code meridian demo} and {@code meridian gateway} (a standalone simulated gateway) to the
 * command line when this module is on the class path (as in {@code loadtest/target/meridian-loadtest.jar}).
 */
public final class LoadtestCommands implements CommandExtension {

    @Override
    public void addTo(CommandLine root) {
        root.addSubcommand("demo", new DemoCommand());
        root.addSubcommand("gateway", new GatewayMain());
    }
}
