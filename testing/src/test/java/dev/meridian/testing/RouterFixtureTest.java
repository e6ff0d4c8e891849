package dev.meridian.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RegionConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouterFixtureTest {

    @Test
    void regionsTimesReplicasBecomeEndpointsAtTheirKnownLocations() {
        RouterFixture fixture = RouterFixture.builder()
                .region("us-east4", 2)
                .region("europe-west2", 1, "weight: 50")
                .build();

        assertThat(fixture.replicas()).extracting(RouterFixture.Replica::name)
                .containsExactly("us-east4-1", "us-east4-2", "europe-west2-1");
        List<RouterFixture.Replica> replicas = fixture.replicas();
        MeridianConfig config = fixture.config(r -> URI.create("http://127.0.0.1:" + (5000 + replicas.indexOf(r))));
        RegionConfig east = config.regions().get(0);
        assertThat(east.name()).isEqualTo("us-east4");
        assertThat(east.endpoints()).hasSize(2);
        assertThat(east.location()).isNotNull();
        assertThat(east.location().lat()).isEqualTo(39.04);
        assertThat(config.regions().get(1).weight()).isEqualTo(50);
    }

    @Test
    void theListenerIsLoopbackOnAnEphemeralPortAndProbesAreOffUntilHealthIsSet() {
        String yaml = RouterFixture.builder().regionAt("us-east4", List.of("http://127.0.0.1:9")).build().yaml();
        assertThat(yaml).startsWith("listen: {address: 127.0.0.1, port: 0}\nhealth: {probe: {enabled: false}}\n");

        String probing = RouterFixture.builder().health("probe: {interval: 500ms}", "breaker: {open-duration: 1s}")
                .regionAt("us-east4", List.of("http://127.0.0.1:9")).build().yaml();
        assertThat(probing).contains("health:\n  probe: {interval: 500ms}\n  breaker: {open-duration: 1s}\n");
        assertThat(RouterFixture.builder().health("probe: {interval: 500ms}").regionAt("r", List.of("http://127.0.0.1:9"))
                .build().config().health().probe().interval()).hasMillis(500);
    }

    @Test
    void routesTlsGeoAndFleetAreWhatTheRouterLoads() {
        MeridianConfig config = RouterFixture.builder()
                .tls(Path.of("/tmp/cert.pem"), Path.of("/tmp/key.pem"), "reload-interval: 1s")
                .locationHeader()
                .fleet(List.of("http://127.0.0.1:2379"), "/meridian/test/")
                .regionAt("us-east4", List.of("http://127.0.0.1:9"))
                .route("completions", "/v2/code/completions", "retry: {max-attempts: 3, non-idempotent: true}")
                .route("chat", "/v2/chat", "grpc: true")
                .build()
                .config();

        assertThat(config.routes()).extracting(r -> r.name()).containsExactly("completions", "chat");
        assertThat(config.routes().get(0).retry().maxAttempts()).isEqualTo(3);
        assertThat(config.listen().tls()).isNotNull();
        assertThat(config.geo().locationHeaders()).containsExactly(RouterFixture.LOCATION_HEADER);
        assertThat(config.fleet().etcd()).as("fleet.etcd").isNotNull();
    }

    @Test
    void aFixtureWithReplicasNeedsTheirEndpoints() {
        RouterFixture fixture = RouterFixture.builder().region("us-east4", 1).build();
        assertThatIllegalStateException().isThrownBy(fixture::yaml).withMessageContaining("us-east4-1");
    }
}
