package dev.meridian.router.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.config.TimeoutConfig;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTableTest {

    private static final List<RegionConfig> REGIONS = List.of(RegionConfig.of("us-east4", URI.create("http://127.0.0.1:5001")));

    private static RouteConfig route(String name, String prefix) {
        return new RouteConfig(name, prefix, TimeoutConfig.ofDefaults());
    }

    private static RouteTable table(RouteConfig... routes) {
        return RouteTable.of(MeridianConfig.builder(REGIONS).routes(List.of(routes)).build());
    }

    @Test
    void theLongestMatchingPrefixWinsWhateverTheConfiguredOrder() {
        RouteConfig v2 = route("v2", "/v2");
        RouteConfig chat = route("chat", "/v2/chat");
        RouteConfig agent = route("agent", "/v2/chat/agent");
        for (RouteTable routes : List.of(table(v2, chat, agent), table(agent, v2, chat))) {
            assertThat(routes.routeFor("/v2/chat/agent")).isSameAs(agent);
            assertThat(routes.routeFor("/v2/chat/agent/stream?x=1")).isSameAs(agent);
            assertThat(routes.routeFor("/v2/chat")).isSameAs(chat);
            assertThat(routes.routeFor("/v2/code/completions")).isSameAs(v2);
        }
    }

    @Test
    void prefixesMatchWholePathSegmentsOnly() {
        RouteConfig chat = route("chat", "/v2/chat");
        RouteTable routes = table(chat);
        assertThat(routes.routeFor("/v2/chat/agent")).isSameAs(chat);
        assertThat(routes.routeFor("/v2/chat?stream=1")).isSameAs(chat);
        assertThat(routes.routeFor("/v2/chatty").name()).isEqualTo("default");
        assertThat(routes.routeFor("/v2").name()).isEqualTo("default");
    }

    @Test
    void unmatchedPathsGetOneCatchAllBuiltWithTheTable() {
        RouteTable routes = table(route("chat", "/v2/chat"));
        RouteConfig catchAll = routes.routeFor("/monitoring/healthz");
        assertThat(catchAll.name()).isEqualTo("default");
        assertThat(catchAll.pathPrefix()).isEqualTo("/");
        assertThat(routes.routeFor("/other")).as("the same instance every request: built once, not per request")
                .isSameAs(catchAll).isSameAs(routes.catchAll());
        assertThat(routes.routeFor("*").name()).as("a target that is not a path").isEqualTo("default");
    }

    @Test
    void aConfiguredSlashRouteIsTheCatchAll() {
        RouteConfig everything = route("everything", "/");
        RouteConfig chat = route("chat", "/v2/chat");
        RouteTable routes = table(everything, chat);
        assertThat(routes.catchAll()).isSameAs(everything);
        assertThat(routes.routeFor("/v1/x")).isSameAs(everything);
        assertThat(routes.routeFor("/v2/chat/agent")).isSameAs(chat);
    }

    @Test
    void matchesAsTheConfigurationDoes() {
        MeridianConfig config = MeridianConfig.builder(REGIONS)
                .routes(List.of(route("a", "/a"), route("ab", "/a/b"), route("c", "/c/d/e"))).build();
        RouteTable routes = RouteTable.of(config);
        for (String path : List.of("/", "/a", "/a/", "/a/b", "/a/bc", "/a/b/c", "/c/d", "/c/d/e", "/c/d/e/f", "/ab", "")) {
            assertThat(routes.routeFor(path).name()).as(path).isEqualTo(config.routeFor(path).name());
        }
    }
}
