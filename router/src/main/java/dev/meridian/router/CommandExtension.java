package dev.meridian.router;

import picocli.CommandLine;

/**
 * Adds subcommands to the {@code meridian} command line. Found with {@link java.util.ServiceLoader},
 * so that modules the router must not depend on (the simulated gateways and the demo in
 * {@code loadtest}) can still offer {@code meridian demo} when they are on the class path.
 */
public interface CommandExtension {

    /** Adds this extension's subcommands to {@code root}. */
    void addTo(CommandLine root);
}
