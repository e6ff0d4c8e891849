package dev.meridian.router.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.regions.ClientLocation;
import dev.meridian.regions.GeoDatabaseException;
import dev.meridian.regions.GeoIpLocator;
import dev.meridian.regions.GeoLocator;
import dev.meridian.regions.HealthSignals;
import dev.meridian.regions.RoutingPolicy;
import dev.meridian.regions.RoutingRequest;
import dev.meridian.regions.RoutingTable;
import dev.meridian.router.admin.AdminServer;
import io.netty.util.NetUtil;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meridian explain}: where a request from this client would go and why, as JSON on stdout:
 * the client's location and its source, every region with its distance, latency, cost, weight,
 * dial, health and traffic share, and the pick. The admin overrides (weights, drains, dials) are
 * the ones this host saved last (the state file, or a fleet's cache file); health is as configured
 * (every endpoint up), since no probes run here. The admin API's {@code /admin/explain} answers
 * with live health and the state in force.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Show where a request would be routed, and why, as JSON.")
public final class ExplainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML configuration.")
    Path config;

    @Option(names = "--ip", required = true, paramLabel = "ADDRESS", description = "The client's IP address.")
    String ip;

    @Option(names = "--path", defaultValue = "/", paramLabel = "PATH", description = "The request path (default: /).")
    String path;

    @Option(names = "--tenant", paramLabel = "VALUE", description = "The sticky header's value, on routes that have one.")
    @Nullable String tenant;

    @Option(names = "--lat", paramLabel = "DEGREES", description = "Client latitude (instead of a GeoIP lookup).")
    @Nullable Double lat;

    @Option(names = "--lon", paramLabel = "DEGREES", description = "Client longitude (with --lat).")
    @Nullable Double lon;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        InetAddress client = NetUtil.createInetAddressFromIpAddressString(ip);
        if (client == null) {
            err.println("meridian explain: --ip " + ip + " is not an IP address");
            err.flush();
            return 2;
        }
        if ((lat == null) != (lon == null)) {
            err.println("meridian explain: --lat and --lon go together");
            err.flush();
            return 2;
        }
        MeridianConfig loaded = ValidateCommand.loadOrReport(config, err);
        if (loaded == null) {
            return ValidateCommand.INVALID;
        }
        RouteConfig route = loaded.routeFor(path);
        String sticky = route.stickyHeader();
        if (tenant != null && sticky == null) {
            err.println("meridian explain: route " + route.name() + " has no sticky-header; --tenant ignored");
            err.flush();
        }
        try (GeoLocator geo = GeoIpLocator.fromConfig(loaded.geo())) {
            ClientLocation location = lat != null && lon != null
                    ? new ClientLocation(lat, lon, ClientLocation.Source.HEADER, null)
                    : geo.locate(client);
            RoutingPolicy policy = RoutingPolicy.create(
                    RoutingTable.build(loaded.regions(), loaded.routing(), System::nanoTime),
                    loaded.routing(),
                    HealthSignals.ALL_HEALTHY,
                    AdminServer.savedOverrides(loaded, config));
            var explanation = policy.explain(
                    new RoutingRequest(client, location, route, sticky == null ? null : tenant));
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            out.println(json.writeValueAsString(explanation));
            out.flush();
            return 0;
        } catch (GeoDatabaseException | IllegalArgumentException e) {
            err.println("meridian explain: " + e.getMessage());
            err.flush();
            return 1;
        }
    }
}
