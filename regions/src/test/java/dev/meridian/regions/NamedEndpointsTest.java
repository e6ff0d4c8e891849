package dev.meridian.regions;

import static dev.meridian.regions.Regions.ROUTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.meridian.config.PanicMode;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RoutingConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Endpoints configured by host name: one replica per address of the answer, following it as it changes. */
class NamedEndpointsTest {

    private static final RegionConfig CLOUD_RUN = RegionConfig.of("us-east4",
            URI.create("https://gw-abc.a.run.app"), URI.create("http://10.9.0.1:5052"));
    private static final RegionConfig BACKUP = RegionConfig.of("europe-west2", URI.create("http://10.2.0.5:5052"));

    /** Answers the tests set, as the DNS discovery would. */
    private static final class Answers implements EndpointAddresses {
        final Map<String, List<InetAddress>> byHost = new HashMap<>();

        Answers set(String host, String... ips) {
            byHost.put(host, List.of(ips).stream().map(NamedEndpointsTest::ip).toList());
            return this;
        }

        @Override
        public List<InetAddress> of(String host) {
            return byHost.getOrDefault(host, List.of());
        }
    }

    private static InetAddress ip(String text) {
        try {
            return InetAddress.getByAddress(InetAddress.getByName(text).getAddress()); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static RoutingTable table(EndpointAddresses answers) {
        return RoutingTable.build(List.of(CLOUD_RUN, BACKUP), RoutingConfig.ofDefaults(), System::nanoTime, answers);
    }

    @Test
    void eachAddressOfANameIsAReplicaLabelledNameAndAddressWithTheNameAsAuthority() {
        RoutingTable table = table(new Answers().set("gw-abc.a.run.app", "10.1.0.8", "10.1.0.7", "10.1.0.8"));

        List<Endpoint> endpoints = table.region("us-east4").orElseThrow().endpoints();

        assertThat(endpoints).extracting(Endpoint::label).as("sorted, duplicates dropped, then the literal")
                .containsExactly("gw-abc.a.run.app:443 (10.1.0.7)", "gw-abc.a.run.app:443 (10.1.0.8)", "10.9.0.1:5052");
        assertThat(endpoints).extracting(Endpoint::named).containsExactly(true, true, false);
        assertThat(endpoints.get(0).authority()).as("default port left out, as a client would send it").isEqualTo("gw-abc.a.run.app");
        assertThat(endpoints.get(2).authority()).isEqualTo("10.9.0.1:5052");
        assertThat(endpoints.get(0).address()).isEqualTo(new InetSocketAddress(ip("10.1.0.7"), 443));
        assertThat(endpoints.get(0).uri()).isEqualTo(URI.create("https://gw-abc.a.run.app:443"));
    }

    @Test
    void aChangedAnswerKeepsTheEndpointsOfAddressesStillAnsweredAndTheUnchangedRegions() {
        Answers answers = new Answers().set("gw-abc.a.run.app", "10.1.0.7", "10.1.0.8");
        RoutingTable first = table(answers);
        Region eu = first.region("europe-west2").orElseThrow();
        List<Endpoint> before = first.region("us-east4").orElseThrow().endpoints();
        before.get(1).requestStarted();

        assertThat(first.withAddresses(answers)).as("nothing changed: the same table").isSameAs(first);

        RoutingTable second = first.withAddresses(answers.set("gw-abc.a.run.app", "10.1.0.9", "10.1.0.8"));
        List<Endpoint> after = second.region("us-east4").orElseThrow().endpoints();

        assertThat(after).extracting(Endpoint::label)
                .containsExactly("gw-abc.a.run.app:443 (10.1.0.8)", "gw-abc.a.run.app:443 (10.1.0.9)", "10.9.0.1:5052");
        assertThat(after.get(0)).as("10.1.0.8 stays the same replica, its request in flight with it").isSameAs(before.get(1));
        assertThat(after.get(0).outstanding()).isEqualTo(1);
        assertThat(after.get(2)).as("the IP endpoint never changes").isSameAs(before.get(2));
        assertThat(after).doesNotContain(before.get(0));
        assertThat(second.region("europe-west2").orElseThrow()).isSameAs(eu);
    }

    @Test
    void aNameWithoutAnswerLeavesItsEndpointWithoutReplicasAndARegionOfOnlyThatIsNeverPicked() {
        RegionConfig named = RegionConfig.of("us-east4", URI.create("https://gw-abc.a.run.app"));
        RoutingConfig routing = RoutingConfig.ofDefaults();
        RoutingTable table = RoutingTable.build(List.of(named, BACKUP), routing, System::nanoTime, new Answers());
        RoutingPolicy policy = RoutingPolicy.create(table, routing, HealthSignals.ALL_HEALTHY);

        assertThat(table.region("us-east4").orElseThrow().endpoints()).isEmpty();
        for (int i = 0; i < 100; i++) {
            RoutingDecision decision = policy.decide(new RoutingRequest(ip("192.0.2.1"), ROUTE));
            assertThat(decision).isNotNull();
            assertThat(decision.region().name()).isEqualTo("europe-west2");
        }
        assertThat(EndpointSelector.POWER_OF_TWO_CHOICES.pick(table.region("us-east4").orElseThrow(), HealthSignals.ALL_HEALTHY))
                .isNull();
    }

    @Test
    void panicRoutingSkipsARegionWithoutEndpoints() {
        RegionConfig named = RegionConfig.of("us-east4", URI.create("https://gw-abc.a.run.app"));
        RoutingTable table = RoutingTable.build(List.of(named, BACKUP), RoutingConfig.ofDefaults(), System::nanoTime, new Answers());
        RoutingPolicy route = RoutingPolicy.create(table, RoutingConfig.ofDefaults(), endpoint -> false);
        RoutingPolicy reject = RoutingPolicy.create(table, RoutingConfig.ofDefaults().withPanic(PanicMode.REJECT), endpoint -> false);

        RoutingDecision decision = route.decide(new RoutingRequest(ip("192.0.2.1"), ROUTE));

        assertThat(decision).isNotNull();
        assertThat(decision.region().name()).as("the best region with an endpoint at all").isEqualTo("europe-west2");
        assertThat(reject.decide(new RoutingRequest(ip("192.0.2.1"), ROUTE))).isNull();
    }

    @Test
    void aPolicyFollowsANewTableOfTheSameRegionsOnly() {
        Answers answers = new Answers().set("gw-abc.a.run.app", "10.1.0.7");
        RoutingTable first = table(answers);
        RoutingPolicy policy = RoutingPolicy.create(first, RoutingConfig.ofDefaults(), HealthSignals.ALL_HEALTHY);
        RoutingTable second = first.withAddresses(answers.set("gw-abc.a.run.app", "10.1.0.9"));

        RoutingPolicy next = policy.withTable(second);

        assertThat(next.table()).isSameAs(second);
        assertThat(next.overrides()).isSameAs(policy.overrides());
        assertThatIllegalArgumentException()
                .isThrownBy(() -> policy.withTable(RoutingTable.build(List.of(BACKUP), RoutingConfig.ofDefaults(), System::nanoTime, answers)))
                .withMessageContaining("the regions differ");
    }

    @Test
    void offlineTablesShowANameAsOneUnresolvedReplica() {
        RoutingTable table = RoutingTable.build(List.of(CLOUD_RUN));

        List<Endpoint> endpoints = table.region("us-east4").orElseThrow().endpoints();

        assertThat(endpoints).extracting(Endpoint::label).containsExactly("gw-abc.a.run.app:443", "10.9.0.1:5052");
        assertThat(endpoints.get(0).address().isUnresolved()).isTrue();
    }
}
