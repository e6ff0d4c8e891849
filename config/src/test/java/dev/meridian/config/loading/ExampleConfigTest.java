package dev.meridian.config.loading;

import dev.meridian.config.AdminToken;
import dev.meridian.config.HealthConfig;
import dev.meridian.config.HedgeConfig;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RetriesConfig;
import dev.meridian.config.RetryConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.config.RoutingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The example shipped in {@code src/examples} must always be a valid configuration. */
class ExampleConfigTest {

    private static final Path EXAMPLE = Path.of("../src/examples/meridian.yaml");

    @Test
    void shippedExampleIsValid() {
        assertThat(EXAMPLE).as("run from the config module directory").exists();

        MeridianConfig config = ConfigLoader.create()
                .withEnvironment(Map.of("MERIDIAN_ADMIN_TOKEN", "example-admin", "MERIDIAN_METRICS_TOKEN", "example-metrics"))
                .load(EXAMPLE);

        assertThat(config.regions()).extracting(RegionConfig::name).containsExactly("us-east4", "europe-west2", "asia-northeast1");
        assertThat(config.regions()).allSatisfy(r -> {
            assertThat(r.location()).isNotNull();
            assertThat(r.endpoints()).hasSize(2);
        });
        assertThat(config.routes()).extracting(RouteConfig::pathPrefix).containsExactlyInAnyOrder(
                "/v2/code/completions", "/v2/completions", "/v4/code/suggestions", "/v2/chat/agent");
        assertThat(config.routeFor("/v2/code/completions").timeouts().total())
                .as("completions fail fast").isLessThan(config.routeFor("/v2/chat/agent").timeouts().total());
        assertThat(config.routeFor("/v2/code/generations").timeouts()).isEqualTo(config.timeouts());
        assertThat(config.admin().authenticate("example-admin")).map(AdminToken::scope).contains(AdminToken.Scope.WRITE);
        assertThat(config.timeouts().total()).isEqualTo(Duration.ofSeconds(90));
        assertThat(config.routing()).as("the example spells out the defaults").isEqualTo(RoutingConfig.ofDefaults());
        assertThat(config.geo().locationHeaders()).containsExactly("X-Client-Geo-Location");
        assertThat(config.routeFor("/v2/code/completions").stickyHeader()).isEqualTo("X-Gitlab-Instance-Id");
        assertThat(config.health()).as("the example spells out the defaults").isEqualTo(HealthConfig.ofDefaults());
        assertThat(config.retries()).as("the example spells out the defaults").isEqualTo(RetriesConfig.ofDefaults());
        assertThat(config.routeFor("/v2/code/completions").retry()).isEqualTo(new RetryConfig(3, true, true));
        assertThat(config.routeFor("/v2/code/completions").hedge()).isEqualTo(new HedgeConfig(true, null));
        assertThat(config.routeFor("/v2/chat/agent").retry()).as("an agent session has side effects").isEqualTo(new RetryConfig(3, false, true));
        assertThat(config.routeFor("/v2/chat/agent").hedge().enabled()).isFalse();
    }

    @Test
    void exampleNeedsItsSecretsFromTheEnvironment() throws Exception {
        String text = Files.readString(EXAMPLE);

        assertThat(text).contains("${MERIDIAN_ADMIN_TOKEN}");
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.create().withEnvironment(Map.of()).parse(text, "meridian.yaml"));

        assertThat(e.problems()).extracting(ConfigProblem::message).containsExactly(
                "admin.tokens[0].token: environment variable MERIDIAN_ADMIN_TOKEN is not set",
                "admin.tokens[1].token: environment variable MERIDIAN_METRICS_TOKEN is not set");
    }
}
