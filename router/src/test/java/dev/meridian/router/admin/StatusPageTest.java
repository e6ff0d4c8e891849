package dev.meridian.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The status page's files over HTTP (no browser): served without a token, with the security and
 * caching headers, nothing in them from another origin and nothing the Content-Security-Policy
 * would block; and the small endpoints the page reads ({@code /admin/whoami}, the regions'
 * locations, {@code /admin/traffic}).
 */
class StatusPageTest extends RunningAdminTest {

    private static final Pattern ASSET = Pattern.compile("(?:src|href)=\"(/ui/[0-9a-f]{12}/[a-z]+\\.[a-z]+)\"");
    private static final Pattern IMPORT = Pattern.compile("from '\\./([a-z]+\\.js)'");

    private HttpResponse<String> get(String path, String... headers) {
        return admin.send("GET", path, null, null, headers);
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    private static void assertSecured(HttpResponse<?> response) {
        assertThat(header(response, "Content-Security-Policy")).isEqualTo("default-src 'none'; script-src 'self'; "
                + "style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                + "form-action 'none'");
        assertThat(header(response, "X-Frame-Options")).isEqualTo("DENY");
        assertThat(header(response, "X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(header(response, "Referrer-Policy")).isEqualTo("no-referrer");
    }

    private List<String> assetPaths() {
        List<String> paths = new ArrayList<>();
        Matcher m = ASSET.matcher(get("/ui/").body());
        while (m.find()) {
            paths.add(m.group(1));
        }
        return paths;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = StatusPage.class.getResourceAsStream("ui/" + name)) {
            assertThat(in).as("ui/" + name + " in the jar").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void thePageNeedsNoTokenAndIsRevalidatedOnEveryLoad() {
        HttpResponse<String> page = get("/ui/");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(header(page, "Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(header(page, "Cache-Control")).isEqualTo("no-cache");
        assertSecured(page);
        assertThat(page.body()).contains("<title>Meridian status</title>").doesNotContain("@VERSION@");

        HttpResponse<String> again = get("/ui/", "If-None-Match", header(page, "ETag"));
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(header(again, "Content-Length")).as("RFC 9110, 8.6").isNull();
        assertThat(header(again, "ETag")).isEqualTo(header(page, "ETag"));
        assertSecured(again);
    }

    @Test
    void assetsCarryTheVersionInTheirPathAndAreCachedForAYear() {
        List<String> assets = assetPaths();
        assertThat(assets).contains("/ui/" + versionOf(assets) + "/app.js", "/ui/" + versionOf(assets) + "/status.css");

        for (String path : assets) {
            HttpResponse<String> asset = get(path);
            assertThat(asset.statusCode()).as(path).isEqualTo(200);
            assertThat(header(asset, "Cache-Control")).as(path).isEqualTo("public, max-age=31536000, immutable");
            assertThat(header(asset, "ETag")).as(path).isNotNull();
            assertSecured(asset);
        }
        HttpResponse<String> script = get(assets.stream().filter(p -> p.endsWith("/app.js")).findFirst().orElseThrow());
        assertThat(header(script, "Content-Type")).isEqualTo("text/javascript; charset=utf-8");
        assertThat(get("/ui/" + versionOf(assets) + "/app.js", "If-None-Match", header(script, "ETag")).statusCode()).isEqualTo(304);

        HttpResponse<String> old = get("/ui/0123456789ab/app.js");
        assertThat(old.statusCode()).as("a page from before an upgrade still gets the scripts").isEqualTo(200);
        assertThat(header(old, "Cache-Control")).as("but not cached under the old version").isEqualTo("no-cache");
    }

    private static String versionOf(List<String> assets) {
        return assets.get(0).split("/")[2];
    }

    @Test
    void everyModuleTheScriptsImportIsServed() throws IOException {
        for (String name : StatusPage.FILES) {
            if (!name.endsWith(".js")) {
                continue;
            }
            Matcher m = IMPORT.matcher(resource(name));
            while (m.find()) {
                assertThat(StatusPage.FILES).as(name + " imports " + m.group(1)).contains(m.group(1));
            }
        }
        String version = versionOf(assetPaths());
        for (String name : StatusPage.FILES) {
            if (!name.equals("index.html")) {
                assertThat(get("/ui/" + version + "/" + name).statusCode()).as(name).isEqualTo(200);
            }
        }
    }

    @Test
    void nothingComesFromAnotherOriginAndNothingNeedsInlineScriptOrStyle() throws IOException {
        for (String name : StatusPage.FILES) {
            String text = resource(name);
            // The SVG namespace is a name, not a request.
            String withoutNamespace = text.replace("http://www.w3.org/2000/svg", "");
            assertThat(withoutNamespace).as(name).doesNotContain("http://").doesNotContain("https://")
                    .doesNotContainPattern("(src|href)=\"//").doesNotContain("@import").doesNotContain("url(");
            if (name.endsWith(".js")) {
                assertThat(text).as(name).doesNotContain("innerHTML").doesNotContain("outerHTML")
                        .doesNotContain("insertAdjacentHTML").doesNotContain("eval(").doesNotContain("new Function")
                        .doesNotContain("setAttribute('style'").doesNotContain("document.write");
            }
        }
        String html = resource("index.html");
        assertThat(html).doesNotContainPattern("<script(?![^>]*\\bsrc=)").as("no inline script")
                .doesNotContainPattern("\\sstyle=").doesNotContainPattern("<style")
                .doesNotContainPattern("\\son[a-z]+=").as("no inline event handlers");
    }

    @Test
    void otherPathsAndMethodsUnderUiAreRefused() {
        HttpResponse<String> bare = get("/ui");
        assertThat(bare.statusCode()).isEqualTo(301);
        assertThat(header(bare, "Location")).isEqualTo("/ui/");
        HttpResponse<String> root = get("/");
        assertThat(root.statusCode()).as("a browser pointed at the admin port finds the page").isEqualTo(302);
        assertThat(header(root, "Location")).isEqualTo("/ui/");

        HttpResponse<String> missing = get("/ui/" + versionOf(assetPaths()) + "/nothing.js");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertSecured(missing);
        assertThat(get("/ui/index.html").statusCode()).isEqualTo(404);

        HttpResponse<String> post = admin.send("POST", "/ui/", null, "{}");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(header(post, "Allow")).isEqualTo("GET");
    }

    @Test
    void whoamiTellsTheTokensNameAndScope() {
        assertThat(AdminFixture.json(admin.get("/admin/whoami", AdminFixture.READ_TOKEN)).toString())
                .isEqualTo("{\"token\":\"grafana\",\"scope\":\"read\"}");
        assertThat(AdminFixture.json(admin.get("/admin/whoami", AdminFixture.WRITE_TOKEN)).toString())
                .isEqualTo("{\"token\":\"sre\",\"scope\":\"write\"}");
        assertThat(admin.get("/admin/whoami", null).statusCode()).isEqualTo(401);
        assertThat(admin.get("/admin/whoami", "wrong").statusCode()).isEqualTo(401);
    }

    @Test
    void regionsCarryTheirLocationAndTrafficListsThemInConfigurationOrder() {
        JsonNode europe = AdminFixture.region(admin.regions(), "europe-west2");
        assertThat(europe.path("location").toString()).isEqualTo("{\"lat\":51.51,\"lon\":-0.13}");

        HttpResponse<String> response = admin.get("/admin/traffic", AdminFixture.READ_TOKEN);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode traffic = AdminFixture.json(response);
        List<String> names = new ArrayList<>();
        traffic.path("regions").forEach(r -> names.add(r.path("name").asText()));
        assertThat(names).containsExactly("us-east4", "us-east1", "europe-west2");
        assertThat(traffic.path("intervalSeconds").asDouble()).isEqualTo(5);
        assertThat(traffic.path("windowSeconds").asDouble()).isEqualTo(600);
        assertThat(traffic.path("ttfbBucketsMs").get(0).asDouble()).isEqualTo(50);
        assertThat(admin.get("/admin/traffic", null).statusCode()).isEqualTo(401);
    }
}
