package dev.meridian.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class MeridianConfigTest {

    private static final TimeoutConfig FAST = new TimeoutConfig(
            Duration.ofMillis(250), Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(30));

    private static final RegionConfig EAST = RegionConfig.of("us-east4", URI.create("http://10.1.0.5:5052"));
    private static final RegionConfig WEST = RegionConfig.of("europe-west2", URI.create("http://10.2.0.5:5052"));

    private static MeridianConfig withRoutes(RouteConfig... routes) {
        return MeridianConfig.builder(List.of(EAST)).routes(List.of(routes)).build();
    }

    private static RouteConfig route(String name, String prefix) {
        return new RouteConfig(name, prefix, FAST);
    }

    @Test
    void routeForPicksTheLongestMatchingPrefix() {
        MeridianConfig config = withRoutes(route("code", "/v2/code"), route("completions", "/v2/code/completions"), route("v2", "/v2"));

        assertThat(config.routeFor("/v2/code/completions").name()).isEqualTo("completions");
        assertThat(config.routeFor("/v2/code/completions/stream").name()).isEqualTo("completions");
        assertThat(config.routeFor("/v2/code/generations").name()).isEqualTo("code");
        assertThat(config.routeFor("/v2/chat/agent").name()).isEqualTo("v2");
        assertThat(config.routeFor("/v4/code/suggestions").name()).isEqualTo("default");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "/v2/chat, chat",
        "/v2/chat/, chat",
        "/v2/chatty, default", // not a segment boundary
        "/v2, default",
        "/v2/chat?stream=true, chat",
        "/v2/chatty?x=/v2/chat, default",
        "/v2/chat#top, chat",
    })
    void prefixesMatchWholePathSegmentsIgnoringQueryAndFragment(String path, String route) {
        MeridianConfig config = withRoutes(route("chat", "/v2/chat"));

        assertThat(config.routeFor(path).name()).isEqualTo(route);
    }

    @Test
    void trailingSlashOfAPrefixIsIgnored() {
        RouteConfig route = route("chat", "/v2/chat/");

        assertThat(route.pathPrefix()).isEqualTo("/v2/chat");
        assertThat(route.matches("/v2/chat")).isTrue();
    }

    @Test
    void defaultRouteIsACatchAllWithTheTopLevelTimeouts() {
        MeridianConfig config = withRoutes(route("chat", "/v2/chat")).toBuilder().timeouts(FAST).build();

        assertThat(config.defaultRoute()).isEqualTo(new RouteConfig("default", "/", FAST));
        assertThat(config.routeFor("/anything")).isEqualTo(config.defaultRoute());
        assertThat(config.routeFor("*").name()).as("asterisk-form (OPTIONS *) matches no prefix").isEqualTo("default");
    }

    @Test
    void aConfiguredRootRouteIsTheDefaultRoute() {
        RouteConfig root = route("everything", "/");
        MeridianConfig config = withRoutes(root, route("chat", "/v2/chat"));

        assertThat(config.defaultRoute()).isEqualTo(root);
        assertThat(config.routeFor("/v4/code/suggestions")).isEqualTo(root);
        assertThat(config.routeFor("/v2/chat/agent").name()).isEqualTo("chat");
    }

    @Test
    void ofDefaultsUsesConfigDefaults() {
        MeridianConfig config = MeridianConfig.ofDefaults(List.of(EAST, WEST));

        assertThat(config.listen()).isEqualTo(new ListenConfig(ConfigDefaults.LISTEN_ADDRESS, ConfigDefaults.LISTEN_PORT));
        assertThat(config.server().transport()).isEqualTo(ConfigDefaults.TRANSPORT);
        assertThat(config.upstream().maxConnectionsPerEndpoint()).isEqualTo(ConfigDefaults.MAX_CONNECTIONS_PER_ENDPOINT);
        assertThat(config.timeouts()).isEqualTo(TimeoutConfig.ofDefaults());
        assertThat(config.routes()).isEmpty();
        assertThat(config.region("europe-west2")).isEqualTo(WEST);
        assertThat(config.region("mars-north1")).isNull();
    }

    @Test
    void builderReplacesOnePart() {
        MeridianConfig config = MeridianConfig.builder(List.of(EAST)).listen(new ListenConfig("127.0.0.1", 0)).build();

        assertThat(config.listen().port()).isZero();
        assertThat(config.toBuilder().regions(List.of(WEST)).build().regions()).containsExactly(WEST);
        assertThat(config.toBuilder().admin(new AdminConfig("127.0.0.1", 0, List.of())).build().admin().port()).isZero();
    }

    @Test
    void invalidCombinationsAreRefusedByTheRecord() {
        MeridianConfig config = MeridianConfig.ofDefaults(List.of(EAST));

        assertThatIllegalArgumentException().isThrownBy(() -> MeridianConfig.ofDefaults(List.of()))
                .withMessage("regions: empty (expected: at least one region)");
        assertThatIllegalArgumentException().isThrownBy(() -> config.toBuilder().regions(List.of(EAST, EAST)).build())
                .withMessage("regions: duplicate name 'us-east4' (expected: unique names)");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> config.toBuilder().regions(List.of(EAST, RegionConfig.of("us-east1", URI.create("http://10.1.0.5:5052")))).build())
                .withMessage("regions: endpoint 'http://10.1.0.5:5052' is in both 'us-east4' and 'us-east1' (expected: each endpoint in one region)");
        assertThatIllegalArgumentException().isThrownBy(() -> withRoutes(route("a", "/x"), route("a", "/y")))
                .withMessage("routes: duplicate name 'a' (expected: unique names)");
        assertThatIllegalArgumentException().isThrownBy(() -> withRoutes(route("a", "/x"), route("b", "/x/")))
                .withMessage("routes: duplicate pathPrefix '/x' (expected: unique prefixes)");
        assertThatIllegalArgumentException().isThrownBy(() -> config.toBuilder().admin(new AdminConfig("0.0.0.0", 8080, List.of())).build())
                .withMessage("admin.port: 8080 (expected: a port other than listen.port)");
    }

    @Test
    void ephemeralPortsNeverClash() {
        MeridianConfig config = MeridianConfig.builder(List.of(EAST))
                .listen(new ListenConfig("127.0.0.1", 0))
                .admin(new AdminConfig("127.0.0.1", 0, List.of()))
                .build();

        assertThat(config.admin().port()).isEqualTo(config.listen().port());
    }
}
