package dev.meridian.router.cli;

import dev.meridian.config.MeridianConfig;
import dev.meridian.regions.GeoDatabaseException;
import dev.meridian.router.MeridianServer;
import dev.meridian.router.admin.AdminServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meridian run --config FILE}: serves (the data path and the admin API) until SIGTERM or
 * SIGINT, then drains (stops accepting, lets in-flight requests finish within
 * {@code server.shutdown-grace}) and exits 0.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the router.")
public final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML configuration.")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        MeridianConfig loaded = ValidateCommand.loadOrReport(config, err);
        if (loaded == null) {
            return ValidateCommand.INVALID;
        }
        MeridianServer server;
        try {
            server = MeridianServer.start(loaded);
        } catch (IllegalArgumentException | IllegalStateException | GeoDatabaseException e) {
            err.println("meridian: " + e.getMessage());
            err.flush();
            return 1;
        }
        AdminServer admin;
        try {
            admin = AdminServer.start(server, config);
        } catch (IllegalStateException e) {
            err.println("meridian: " + e.getMessage());
            err.flush();
            server.close();
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        TerminationSignals.onTermination(() -> {
            // The admin API stays up while draining, so /ready answers 503 and SREs can watch.
            server.drain(loaded.server().shutdownGrace());
            admin.close();
            stopped.countDown();
        });
        stopped.await();
        return 0;
    }
}
