package dev.meridian.router;

import dev.meridian.router.cli.ExplainCommand;
import dev.meridian.router.cli.RunCommand;
import dev.meridian.router.cli.ValidateCommand;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/**
 * The {@code meridian} command line.
 *
 * <pre>{@code
 * meridian run --config meridian.yaml        # serve
 * meridian validate --config meridian.yaml   # exit 0, or 2 with FILE:LINE:COL: message lines
 * meridian explain --config meridian.yaml --ip 203.0.113.7 --path /v2/code/completions
 * meridian demo                              # simulated regions and the router on loopback
 * }</pre>
 */
@Command(
        name = "meridian",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Multi-region edge router and global load balancer for AI-gateway traffic.",
        subcommands = {RunCommand.class, ValidateCommand.class, ExplainCommand.class})
public final class Main implements Runnable {

    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code, without exiting. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The command line with every {@link CommandExtension} found on the class path added. */
    public static CommandLine commandLine() {
        CommandLine root = new CommandLine(new Main());
        for (CommandExtension extension : ServiceLoader.load(CommandExtension.class)) {
            extension.addTo(root);
        }
        return root;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /** The version from the jar manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"meridian " + (version == null ? "development" : version)};
        }
    }
}
