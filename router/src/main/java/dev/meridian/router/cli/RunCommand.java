package dev.meridian.router.cli;

import dev.meridian.config.MeridianConfig;
import dev.meridian.regions.GeoDatabaseException;
import dev.meridian.router.MeridianServer;
import dev.meridian.router.admin.AdminServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meridian run --config FILE}: serves (the data path and the admin API) until SIGTERM or
 * SIGINT, then drains (stops accepting, lets in-flight requests finish within
 * {@code server.shutdown-grace}) and exits 0. SIGHUP re-reads {@code FILE} ({@link ReloadSignal}).
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
        // Handlers first: a SIGTERM that arrives while the listeners start (an orchestrator that
        // changed its mind) must drain like any other, not kill the JVM with status 143.
        // The handler waits for the drain, so that where only a shutdown hook is available the
        // JVM does not exit under it.
        CountDownLatch stopRequested = new CountDownLatch(1);
        CountDownLatch drained = new CountDownLatch(1);
        long graceMillis = loaded.server().shutdownGrace().toMillis();
        TerminationSignals.onTermination(() -> {
            stopRequested.countDown();
            try {
                drained.await(graceMillis + 10_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ReloadSignal reloads = ReloadSignal.install(config);
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
        reloads.reloadWith(admin);
        stopRequested.await();
        // The admin API stays up while draining, so /ready answers 503 and SREs can watch.
        server.drain(loaded.server().shutdownGrace());
        admin.close();
        drained.countDown();
        return 0;
    }
}
