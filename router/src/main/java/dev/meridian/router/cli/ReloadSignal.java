package dev.meridian.router.cli;

import static java.util.Objects.requireNonNull;

import dev.meridian.router.admin.AdminServer;
import dev.meridian.router.admin.AdminServer.ConfigReload;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP re-reads the configuration file, as {@code POST /admin/reload} does: what
 * {@code systemctl reload meridian} ({@code ExecReload=/bin/kill -HUP $MAINPID}) and
 * {@code podman kill --signal HUP} ask for. The outcome is logged (and a reload that was applied is
 * audited with the token name {@code signal}); a refused file leaves the running configuration in
 * force, as a refused API call does.
 *
 * <p>Installed before the router starts, because the JVM's own SIGHUP handler exits the process:
 * a reload that arrives while the router is still starting is logged and ignored instead.
 *
 * <pre>{@code
 * ReloadSignal reloads = ReloadSignal.install(configFile);
 * AdminServer admin = AdminServer.start(server, configFile);
 * reloads.reloadWith(admin);
 * }</pre>
 */
public final class ReloadSignal {

    private static final Logger log = LoggerFactory.getLogger(ReloadSignal.class);

    /** The token name a signal's reload is audited with. */
    static final String ACTOR = "signal";

    private final Path configFile;
    private final AtomicReference<@Nullable AdminServer> admin = new AtomicReference<>();
    /** Whether SIGHUP reaches {@link #reload()} (false where the JVM does not let us handle it). */
    private boolean handled;

    private ReloadSignal(Path configFile) {
        this.configFile = requireNonNull(configFile, "configFile");
    }

    /**
     * Handles SIGHUP from now on. Where the JVM does not let us (no {@code sun.misc.Signal}, or
     * SIGHUP ignored because the process was started under {@code nohup}), says so once and leaves
     * {@code POST /admin/reload} as the way to reload.
     */
    public static ReloadSignal install(Path configFile) {
        ReloadSignal signal = new ReloadSignal(configFile);
        try {
            if (TerminationSignals.handle(List.of("HUP"), "reloading " + configFile, signal::reload).isEmpty()) {
                signal.handled = true;
            } else {
                log.warn("SIGHUP is ignored in this process (was it started under nohup?); reload with POST /admin/reload");
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("SIGHUP cannot be handled here ({}); reload with POST /admin/reload", e.toString());
        }
        return signal;
    }

    /**
     * From now on a SIGHUP reloads through {@code admin}; logged, so that whoever sends one (a test,
     * a deployment script) knows from when it is not ignored.
     */
    public void reloadWith(AdminServer admin) {
        this.admin.set(requireNonNull(admin, "admin"));
        if (handled) {
            log.info("SIGHUP now reloads {}", configFile);
        }
    }

    /** What one SIGHUP does; runs on the thread the JVM starts for the signal, which may block. */
    void reload() {
        AdminServer target = admin.get();
        if (target == null) {
            log.warn("SIGHUP while starting: ignored (the router starts with {} as it was read at start; send SIGHUP again)",
                    configFile);
            return;
        }
        ConfigReload outcome;
        try {
            outcome = target.reloadConfiguration(ACTOR);
        } catch (RuntimeException e) {
            // A bug, not a refused file (that is an outcome): say so here, not on a dying signal thread.
            log.error("SIGHUP: reloading {} failed; the running configuration stays", configFile, e);
            return;
        }
        if (outcome.applied()) {
            log.info("SIGHUP: reloaded {} (revision {})", configFile, outcome.revision());
        } else {
            log.error("SIGHUP: {} was NOT reloaded; the running configuration stays (revision {}):\n  {}",
                    configFile, outcome.revision(), String.join("\n  ", outcome.problems()));
        }
    }
}
