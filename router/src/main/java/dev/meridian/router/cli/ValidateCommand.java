package dev.meridian.router.cli;

import dev.meridian.config.ConfigException;
import dev.meridian.config.ConfigLoader;
import dev.meridian.config.ConfigProblem;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.TlsConfig;
import dev.meridian.router.internal.ServerTls;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meridian validate --config FILE}: exit 0 when valid, else 2 with one FILE:LINE:COL line per problem. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a configuration file; print FILE:LINE:COL: message for every problem.")
public final class ValidateCommand implements Callable<Integer> {

    /** The exit code for an invalid configuration. */
    public static final int INVALID = 2;

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML configuration.")
    Path config;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        MeridianConfig loaded = loadOrReport(config, err);
        if (loaded == null) {
            return INVALID;
        }
        // The files TLS needs are checked too (readable, valid now, key matching), as a start would.
        boolean tlsUsable = tlsUsable(loaded.listen().tls(), "listen", err) & tlsUsable(loaded.admin().tls(), "admin", err);
        if (!tlsUsable) {
            err.flush();
            return INVALID;
        }
        out.printf("%s: valid (%d regions, %d routes)%n", config, loaded.regions().size(), loaded.routes().size());
        out.flush();
        return 0;
    }

    private boolean tlsUsable(@Nullable TlsConfig tls, String listener, PrintWriter err) {
        if (tls == null) {
            return true;
        }
        try {
            ServerTls.check(tls, listener);
            return true;
        } catch (IllegalArgumentException e) {
            err.println(config + ": " + e.getMessage());
            return false;
        }
    }

    /** Loads {@code file}, or prints its problems to {@code err} and returns {@code null}. */
    static @Nullable MeridianConfig loadOrReport(Path file, PrintWriter err) {
        try {
            return ConfigLoader.create().load(file);
        } catch (ConfigException e) {
            printProblems(err, e);
            return null;
        }
    }

    static void printProblems(PrintWriter err, ConfigException e) {
        for (ConfigProblem problem : e.problems()) {
            err.println(problem);
        }
        err.flush();
    }
}
