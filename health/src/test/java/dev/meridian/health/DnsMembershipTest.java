package dev.meridian.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

import dev.meridian.config.HealthConfig;
import dev.meridian.config.ProbeConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RoutingConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.EndpointAddresses;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import dev.meridian.testing.TestUpstream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link HealthRegistry#update}: DNS changes the replicas of a region while the registry runs. */
class DnsMembershipTest {

    private static final long MS = 1_000_000;
    private static final HealthConfig NO_PROBES = HealthConfig.ofDefaults().withProbe(ProbeConfig.ofDefaults().withEnabled(false));

    private final ManualClock clock = new ManualClock();

    /** Answers set by hand, as the router's DNS discovery would give them. */
    private static final class Answers implements EndpointAddresses {
        private final Map<String, List<InetAddress>> byHost = new HashMap<>();

        Answers set(String host, int... lastOctets) {
            byHost.put(host, Arrays.stream(lastOctets).mapToObj(Answers::loopback).toList());
            return this;
        }

        private static InetAddress loopback(int last) {
            try {
                return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public List<InetAddress> of(String host) {
            return byHost.getOrDefault(host, List.of());
        }
    }

    private static RoutingTable table(Answers answers, URI... endpoints) {
        return RoutingTable.build(List.of(RegionConfig.of("r0", endpoints), RegionConfig.of("r1", URI.create("http://127.0.0.1:5999"))),
                RoutingConfig.ofDefaults(), System::nanoTime, answers);
    }

    /** Region r0 of the addresses of {@code gw.test:5000}, and r1. */
    private static RoutingTable gateways(Answers answers) {
        return table(answers, URI.create("http://gw.test:5000"));
    }

    private HealthRegistry withoutProbes(RoutingTable table) {
        return HealthRegistry.create(table, NO_PROBES, clock);
    }

    private static List<Endpoint> endpoints(RoutingTable table) {
        return table.regions().get(0).endpoints();
    }

    private static void fail(HealthRegistry health, Endpoint endpoint, int times) {
        for (int i = 0; i < times; i++) {
            health.record(endpoint, Outcome.GATEWAY_FAILURE, 5 * MS, null);
        }
    }

    @Test
    void withProbesOffAJoiningAddressTakesTrafficAtOnceAndALeavingOneNoMore() {
        Answers answers = new Answers().set("gw.test", 2, 3);
        RoutingTable first = gateways(answers);
        Endpoint two = endpoints(first).get(0);
        Endpoint three = endpoints(first).get(1);
        try (HealthRegistry health = withoutProbes(first)) {
            long version = health.version();

            RoutingTable second = first.withAddresses(answers.set("gw.test", 3, 4));
            health.update(second);
            Endpoint four = endpoints(second).get(1);

            assertThat(health.version()).isGreaterThan(version);
            assertThat(health.isAvailable(four)).as("joined, probes off").isTrue();
            assertThat(health.isAvailable(three)).as("stayed").isTrue();
            assertThat(health.isAvailable(two)).as("left: no new requests, even from a policy over the old table").isFalse();
            assertThat(health.report().regions().get(0).endpoints()).extracting(HealthReport.EndpointReport::label)
                    .containsExactly("gw.test:5000 (127.0.0.3)", "gw.test:5000 (127.0.0.4)");
            fail(health, two, 10);
            assertThat(health.report().regions().get(0).endpoints()).allMatch(e -> e.consecutiveFailures() == 0);

            health.update(second.withAddresses(answers.set("gw.test", 3, 4, 5)));
            assertThat(health.isAvailable(two)).as("forgotten at the next update: unknown endpoints answer available").isTrue();
        }
    }

    @Test
    void anAddressThatStaysKeepsItsEjectionAndTheRegionItsBreaker() {
        Answers answers = new Answers().set("gw.test", 2, 3, 4, 5);
        RoutingTable first = gateways(answers);
        try (HealthRegistry health = withoutProbes(first)) {
            Endpoint two = endpoints(first).get(0);
            Endpoint three = endpoints(first).get(1);
            fail(health, three, 5);
            assertThat(health.isAvailable(three)).isFalse();
            Region before = first.regions().get(0);

            RoutingTable second = first.withAddresses(answers.set("gw.test", 3, 4, 5, 6));
            health.update(second);

            assertThat(health.isAvailable(three)).as("still ejected: its state moved with it").isFalse();
            assertThat(health.report().regions().get(0).endpoints().get(0).timesEjected()).isEqualTo(1);
            assertThat(health.admits(second.regions().get(0))).isTrue();
            assertThat(health.admits(before)).as("a region of the old table: unknown, admitted").isTrue();
            assertThat(health.isAvailable(two)).isFalse();
            clock.advance(Duration.ofSeconds(31));
            health.version();
            assertThat(health.isAvailable(three)).as("and returns like any ejected endpoint").isTrue();
        }
    }

    @Test
    void theSlotOfALeavingAddressRestsBeforeAJoiningOneGetsItAndStartsClean() {
        Answers answers = new Answers().set("gw.test", 2, 3);
        RoutingTable table = gateways(answers);
        try (HealthRegistry health = withoutProbes(table)) {
            Endpoint two = endpoints(table).get(0);
            fail(health, two, 5); // ejected: slot 0
            for (int i = 4; i < 40; i++) { // many changes in a short time: each a new slot
                table = table.withAddresses(answers.set("gw.test", 3, i));
                health.update(table);
            }
            int grown = health.slotsOf("r0");
            assertThat(grown).isGreaterThan(30);

            clock.advance(Duration.ofMinutes(2));
            for (int i = 40; i < 80; i++) { // slowly: freed slots are reused once rested
                table = table.withAddresses(answers.set("gw.test", 3, i));
                health.update(table);
                clock.advance(Duration.ofSeconds(2));
            }

            assertThat(health.slotsOf("r0")).as("bounded by the changes of the last minute").isEqualTo(grown);
            assertThat(endpoints(table)).allSatisfy(e -> assertThat(health.isAvailable(e)).as(e.label()).isTrue());
            assertThat(health.report().regions().get(0).endpoints()).allMatch(e -> e.timesEjected() == 0);
        }
    }

    @Test
    void maxEjectedPercentCountsTheAddressesInTheAnswerNow() {
        Answers answers = new Answers().set("gw.test", 2, 3);
        RoutingTable first = gateways(answers);
        try (HealthRegistry health = withoutProbes(first)) {
            fail(health, endpoints(first).get(0), 5);
            RoutingTable second = first.withAddresses(answers.set("gw.test", 3, 4, 5, 6));
            health.update(second);

            fail(health, endpoints(second).get(0), 5);
            fail(health, endpoints(second).get(1), 5);

            assertThat(health.isAvailable(endpoints(second).get(0))).as("the left address's ejection does not count").isFalse();
            assertThat(health.isAvailable(endpoints(second).get(1))).as("50% of four: two may be out").isFalse();
        }
    }

    @Test
    void aJoiningAddressIsProbedAtOnceWithTheNameAsHostAndTakesTrafficAfterOneGoodProbe() throws Exception {
        try (TestUpstream target = TestUpstream.http1("gateway", null)) {
            Answers answers = new Answers();
            int port = target.uri("http").getPort();
            // Probes every 10 s: only the first probe of a joining address can be fast. A 5 s timeout:
            // this probe is the JVM's first request to a cold Netty upstream, over 1 s on a busy machine.
            HealthConfig config = HealthConfig.ofDefaults().withProbe(
                    new ProbeConfig(true, "/monitoring/healthz", Duration.ofSeconds(10), 0.2, Duration.ofSeconds(5), 2, 2));
            RoutingTable first = table(answers, URI.create("http://gw.test:" + port));
            try (HealthRegistry health = HealthRegistry.create(first, config)) {
                health.startProbes();
                assertThat(endpoints(first)).as("no answer yet").isEmpty();

                RoutingTable second = first.withAddresses(answers.set("gw.test", 1));
                health.update(second);
                Endpoint joined = endpoints(second).get(0);
                assertThat(health.isAvailable(joined)).as("not before a probe").isFalse();

                // Well within one interval: the first probe of a joining address does not wait for it.
                await().atMost(Duration.ofSeconds(8)).until(() -> health.isAvailable(joined));
                assertThat(target.received()).hasSize(1);
                assertThat(target.received().get(0).authority()).isEqualTo("gw.test:" + port);

                RoutingTable third = second.withAddresses(answers.set("gw.test"));
                health.update(third);
                assertThat(health.isAvailable(joined)).isFalse();
                assertThat(health.report().regions().get(0).endpoints()).isEmpty();
            }
        }
    }

    @Test
    void aTableWithOtherRegionsIsRefused() {
        Answers answers = new Answers().set("gw.test", 2);
        RoutingTable table = gateways(answers);
        try (HealthRegistry health = withoutProbes(table)) {
            RoutingTable other = RoutingTable.build(List.of(RegionConfig.of("elsewhere", URI.create("http://127.0.0.1:1"))),
                    RoutingConfig.ofDefaults(), System::nanoTime, answers);

            assertThatIllegalArgumentException().isThrownBy(() -> health.update(other)).withMessageContaining("elsewhere");
        }
    }
}
