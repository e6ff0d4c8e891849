package dev.meridian.loadtest.jmh;

import dev.meridian.config.GeoPoint;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.config.RoutingConfig;
import dev.meridian.config.TimeoutConfig;
import dev.meridian.regions.ClientLocation;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.EndpointSelector;
import dev.meridian.regions.HealthSignals;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingDecision;
import dev.meridian.regions.RoutingPolicy;
import dev.meridian.regions.RoutingRequest;
import dev.meridian.regions.RoutingTable;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * The routing decision per request, with the client's location already known (a GeoIP cache hit
 * or a header): the target is at most 1 µs. Six regions on three continents, four endpoints each.
 */
public class RoutingBenchmark extends HotPathBenchmark {

    private RoutingPolicy policy;
    private RoutingRequest fromParis;
    private RoutingRequest stickyFromParis;
    private RoutingRequest unknownLocation;
    private Region region;

    @Setup
    public void setUp() {
        List<RegionConfig> regions = List.of(
                region("us-east4", 39.04, -77.49, 0),
                region("us-east1", 33.20, -80.01, 1),
                region("europe-west2", 51.51, -0.13, 2),
                region("europe-west4", 53.44, 6.84, 3),
                region("asia-northeast1", 35.69, 139.69, 4),
                region("asia-southeast1", 1.35, 103.82, 5));
        RoutingConfig routing = RoutingConfig.ofDefaults();
        policy = RoutingPolicy.create(RoutingTable.build(regions, routing, System::nanoTime), routing,
                HealthSignals.ALL_HEALTHY);
        RouteConfig route = new RouteConfig("completions", "/v2/code/completions", TimeoutConfig.ofDefaults());
        ClientLocation paris = new ClientLocation(48.86, 2.35, ClientLocation.Source.GEOIP, "FR");
        InetAddress client = InetAddress.getLoopbackAddress();
        fromParis = new RoutingRequest(client, paris, route, null);
        stickyFromParis = new RoutingRequest(client, paris, route, "instance-8b1f2c");
        unknownLocation = new RoutingRequest(client, null, route, null);
        region = policy.table().regions().get(2);
    }

    private static RegionConfig region(String name, double lat, double lon, int index) {
        List<URI> endpoints = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            endpoints.add(URI.create("http://127.0.0.1:" + (20_000 + index * 10 + i)));
        }
        return new RegionConfig(name, new GeoPoint(lat, lon), 100, endpoints);
    }

    @Benchmark
    public RoutingDecision decideWithKnownLocation() {
        return policy.decide(fromParis);
    }

    @Benchmark
    public RoutingDecision decideStickyTenant() {
        return policy.decide(stickyFromParis);
    }

    @Benchmark
    public RoutingDecision decideWithUnknownLocation() {
        return policy.decide(unknownLocation);
    }

    @Benchmark
    public Endpoint endpointPick() {
        return EndpointSelector.POWER_OF_TWO_CHOICES.pick(region, HealthSignals.ALL_HEALTHY);
    }
}
