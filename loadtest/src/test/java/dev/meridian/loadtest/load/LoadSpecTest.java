package dev.meridian.loadtest.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadSpecTest {

    private static final URI TARGET = URI.create("http://127.0.0.1:8080");

    @Test
    void defaultsAndCopies() {
        LoadSpec spec = LoadSpec.openLoop(TARGET, 100, Duration.ofSeconds(5));

        assertThat(spec.connections()).isEqualTo(LoadSpec.DEFAULT_CONNECTIONS);
        assertThat(spec.timeout()).isEqualTo(LoadSpec.DEFAULT_TIMEOUT);
        assertThat(spec.warmup()).isZero();
        assertThat(spec.mix()).isEqualTo(RequestMix.get("/"));
        assertThat(spec.withConnections(3).connections()).isEqualTo(3);
        assertThat(spec.connections()).as("immutable").isEqualTo(LoadSpec.DEFAULT_CONNECTIONS);
        assertThat(LoadSpec.closedLoop(TARGET, 12, Duration.ofSeconds(1)).concurrency()).isEqualTo(12);
        assertThat(spec.hostHeader()).isEqualTo("127.0.0.1:8080");
        assertThat(LoadSpec.openLoop(URI.create("http://example.test"), 1, Duration.ofSeconds(1)).port()).isEqualTo(80);
    }

    @Test
    void invalidValuesNameTheFieldAndTheRange() {
        assertThatThrownBy(() -> LoadSpec.openLoop(TARGET, 0, Duration.ofSeconds(1)))
                .hasMessageStartingWith("rate: 0.0 (expected: 0 < rate");
        assertThatThrownBy(() -> LoadSpec.closedLoop(TARGET, 0, Duration.ofSeconds(1)))
                .hasMessageStartingWith("concurrency: 0 (expected: 1..");
        assertThatThrownBy(() -> LoadSpec.openLoop(TARGET, 1, Duration.ZERO)).hasMessageStartingWith("duration:");
        assertThatThrownBy(() -> LoadSpec.openLoop(TARGET, 1, Duration.ofSeconds(1)).withTimeout(Duration.ZERO))
                .hasMessageStartingWith("timeout:");
        assertThatThrownBy(() -> LoadSpec.openLoop(URI.create("http://h:1/path"), 1, Duration.ofSeconds(1)))
                .hasMessageContaining("paths come from the request mix");
        assertThatThrownBy(() -> LoadSpec.openLoop(URI.create("ftp://h:1"), 1, Duration.ofSeconds(1)))
                .hasMessageContaining("expected: http://HOST:PORT");
    }

    @Test
    void templatesRejectWhatWouldBreakTheRequestLine() {
        assertThatThrownBy(() -> RequestTemplate.of("GET", "/a b", java.util.Map.of(), ""))
                .hasMessageStartingWith("path: '/a b'");
        assertThatThrownBy(() -> RequestTemplate.of("GET", "/", java.util.Map.of("X-A", "1\r\nX-B: 2"), ""))
                .hasMessageContaining("line break");
        assertThatThrownBy(() -> RequestTemplate.of("GET", "/", java.util.Map.of("Bad Name", "1"), ""))
                .hasMessageContaining("not a valid header name");
    }
}
