package dev.meridian.router.cli;

import dev.meridian.config.loading.ConfigException;
import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.config.loading.ConfigProblem;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.TlsConfig;
import dev.meridian.router.discovery.DnsDiscovery;
import dev.meridian.router.discovery.NameStatus;
import dev.meridian.router.server.ServerTls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meridian validate --config FILE [--resolve]}: exit 0 when valid, else 2 with one
 * FILE:LINE:COL line per problem. Offline by default: endpoint host names are checked for syntax
 * only. With {@code --resolve}, each name is also resolved as the router would resolve it (the
 * {@code dns} settings, the system's search list) and its answer printed; a name that does not
 * resolve makes the exit status 1.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a configuration file; print FILE:LINE:COL: message for every problem.")
public final class ValidateCommand implements Callable<Integer> {

    /** The exit code for an invalid configuration. */
    public static final int INVALID = 2;
    /** The exit code of {@code --resolve} when the file is valid but an endpoint name does not resolve. */
    public static final int UNRESOLVED = 1;
    /** However short dns.query-timeout, --resolve waits this long for slow names (a few servers, a search list). */
    private static final Duration MIN_RESOLVE_WAIT = Duration.ofSeconds(5);

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML configuration.")
    Path config;

    @Option(names = "--resolve", description = "Also resolve the endpoints given by host name (with the file's dns "
            + "settings) and print each answer; exit 1 when one does not resolve.")
    boolean resolve;

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
        return resolve ? resolveNames(loaded, out, err) : 0;
    }

    /** Resolves every endpoint name once, as the router would, and prints one line per name. */
    private int resolveNames(MeridianConfig loaded, PrintWriter out, PrintWriter err) {
        Map<String, Set<String>> hosts = DnsDiscovery.regionsByHost(loaded.regions());
        if (hosts.isEmpty()) {
            out.println("no endpoint is given by host name: nothing to resolve");
            out.flush();
            return 0;
        }
        Duration bound = loaded.dns().queryTimeout().multipliedBy(4);
        int unresolved = 0;
        try (DnsDiscovery dns = DnsDiscovery.create(new SimpleMeterRegistry(), () -> { })) {
            dns.update(loaded.dns(), hosts);
            dns.awaitAnswers(bound.compareTo(MIN_RESOLVE_WAIT) < 0 ? MIN_RESOLVE_WAIT : bound);
            for (Map.Entry<String, Set<String>> host : hosts.entrySet()) {
                NameStatus status = dns.names().get(host.getKey());
                String where = host.getKey() + " (" + (host.getValue().size() == 1 ? "region " : "regions ")
                        + String.join(", ", host.getValue()) + ")";
                if (status != null && !status.addresses().isEmpty()) {
                    List<String> addresses = new ArrayList<>();
                    status.addresses().forEach(a -> addresses.add(a.getHostAddress()));
                    out.printf("%s: %s (TTL %d s)%n", where, String.join(", ", addresses), status.ttlSeconds());
                } else {
                    unresolved++;
                    String why = status == null || status.state() == NameStatus.State.PENDING
                            ? "no answer within " + bound.toSeconds() + " s"
                            : (status.state() == NameStatus.State.EMPTY ? "no address: " : "cannot resolve: ") + status.problem();
                    err.printf("%s: %s%n", where, why);
                }
            }
        }
        out.flush();
        err.flush();
        return unresolved == 0 ? 0 : UNRESOLVED;
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
