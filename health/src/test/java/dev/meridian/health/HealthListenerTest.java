package dev.meridian.health;

import static dev.meridian.health.RegistryFixture.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The listener hears every way out of rotation, from every mechanism (stalls: {@link StallSuspicionTest}). */
class HealthListenerTest {

    @RegisterExtension
    final RegistryFixture health = RegistryFixture.of(2, 2);
    private final Endpoint e0 = health.endpoint(0, 0);
    private final Endpoint e1 = health.endpoint(0, 1);

    @Test
    void theListenerHearsProbesDownEjectionsAndOpenBreakers() {
        health.record(e1, Outcome.SUCCESS, 5 * MS, null);
        health.fail(e0, 5);
        long started = health.clock.getAsLong();
        health.probeResult(e1, started, false, -1, "HTTP 503");
        health.probeResult(e1, started, false, -1, "HTTP 503");
        Region west = health.region(1);
        for (int i = 0; i < 20; i++) {
            health.record(west.endpoints().get(i % 2), Outcome.GATEWAY_FAILURE, 5 * MS, null);
        }

        assertThat(health.heard).as("the whole of r1 fails: one replica is ejected, then the breaker opens")
                .containsExactly("127.0.0.1:5001 EJECTED", "127.0.0.1:5002 PROBES", "127.0.0.1:5003 EJECTED", "r1 BREAKER_OPEN");
    }
}
