package dev.meridian.router.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The status page, {@code GET /ui/} on the admin port: one HTML page, its style sheet and its
 * JavaScript modules, all from the jar (resources {@code dev/meridian/router/admin/ui/}), nothing
 * from anywhere else, so it works on an air-gapped network.
 *
 * <p>The files are static and hold no data, so they need no token; the page asks for one and
 * sends it with its calls to the admin API, which check it as for any other client. Every answer
 * carries a strict {@code Content-Security-Policy} (scripts, styles and connections to this
 * origin only, no inline script or style, no framing, no form posts) and the usual companions.
 *
 * <p>Caching without stale code after an upgrade: the page ({@code /ui/}) is revalidated on every
 * load ({@code no-cache} with an {@code ETag}); it names its assets under
 * {@code /ui/VERSION/...}, where {@code VERSION} is a digest of all the files, so the assets can
 * be cached for a year ({@code immutable}) and a new router's page never runs an old script.
 * An asset asked for under another version (a page loaded before an upgrade) is served as it is
 * now, not cached.
 */
final class StatusPage {

    /** Where the page lives on the admin port. */
    static final String ROOT = "/ui/";

    /** Every file of the page, under {@code ui/} next to this class; {@code index.html} is the page. */
    static final List<String> FILES = List.of(
            "index.html", "status.css", "icon.svg", "app.js", "api.js", "dom.js", "format.js", "regions.js", "map.js", "land.js",
            "charts.js", "explain.js", "actions.js", "activity.js");

    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /** The headers of every answer under {@code /ui}. */
    static final Map<String, String> SECURITY_HEADERS = Map.of(
            "Content-Security-Policy", CONTENT_SECURITY_POLICY,
            "X-Frame-Options", "DENY",
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            "Cross-Origin-Opener-Policy", "same-origin",
            "Cross-Origin-Resource-Policy", "same-origin");

    private static final String VERSION_PLACEHOLDER = "@VERSION@";
    private static final String IMMUTABLE = "public, max-age=31536000, immutable";
    private static final String REVALIDATE = "no-cache";
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Asset(String contentType, byte[] body, String etag) {}

    private final String version;
    private final Asset page;
    private final Map<String, Asset> assets;

    /** Reads the files from the jar; a missing one is a broken build and stops the start. */
    StatusPage() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        MessageDigest all = sha256();
        for (String name : FILES) {
            byte[] body = resource(name);
            files.put(name, body);
            all.update(name.getBytes(StandardCharsets.UTF_8));
            all.update(body);
        }
        this.version = HexFormat.of().formatHex(all.digest(), 0, 6);
        Map<String, Asset> byName = new LinkedHashMap<>();
        files.forEach((name, body) -> {
            if (!name.equals("index.html")) {
                byName.put(name, asset(name, body));
            }
        });
        this.assets = Map.copyOf(byName);
        String html = new String(files.get("index.html"), StandardCharsets.UTF_8).replace(VERSION_PLACEHOLDER, version);
        this.page = asset("index.html", html.getBytes(StandardCharsets.UTF_8));
    }

    /** The digest the asset paths carry ({@code /ui/VERSION/app.js}). */
    String version() {
        return version;
    }

    /**
     * Whether {@code path} (decoded, without the query) is the page's: {@code /ui/...}, and
     * {@code /}, which sends a browser pointed at the admin port to the page.
     */
    static boolean owns(String path) {
        return path.equals("/") || path.equals("/ui") || path.startsWith(ROOT);
    }

    /** Answers a request for {@code path}, which {@link #owns} the page. */
    AdminReply serve(HttpMethod method, String path, @Nullable String ifNoneMatch) {
        if (!method.equals(HttpMethod.GET)) {
            return secured(error(405, "method_not_allowed", method + " " + shorten(path) + " is not supported (allowed: GET)")
                    .withHeader("Allow", "GET"));
        }
        if (path.equals("/")) {
            return secured(new AdminReply(302, "text/plain; charset=utf-8", new byte[0], Map.of("Location", ROOT)));
        }
        if (path.equals("/ui")) {
            return secured(new AdminReply(301, "text/plain; charset=utf-8", new byte[0], Map.of("Location", ROOT)));
        }
        if (path.equals(ROOT)) {
            return cached(page, REVALIDATE, ifNoneMatch);
        }
        String rest = path.substring(ROOT.length());
        int slash = rest.indexOf('/');
        Asset asset = slash > 0 ? assets.get(rest.substring(slash + 1)) : null;
        if (asset == null) {
            return secured(error(404, "not_found", "no file " + shorten(path) + " (the status page is at " + ROOT + ")"));
        }
        boolean current = rest.substring(0, slash).equals(version);
        return cached(asset, current ? IMMUTABLE : REVALIDATE, ifNoneMatch);
    }

    private static AdminReply cached(Asset asset, String cacheControl, @Nullable String ifNoneMatch) {
        boolean notModified = ifNoneMatch != null && matches(ifNoneMatch, asset.etag());
        AdminReply reply = notModified
                ? new AdminReply(304, asset.contentType(), new byte[0], Map.of())
                : new AdminReply(200, asset.contentType(), asset.body(), Map.of());
        return secured(reply.withHeader("ETag", asset.etag()).withHeader("Cache-Control", cacheControl));
    }

    /** {@code If-None-Match}: a list of entity tags, or {@code *} (RFC 9110, section 13.1.2; weak comparison). */
    private static boolean matches(String ifNoneMatch, String etag) {
        for (String candidate : ifNoneMatch.split(",")) {
            String tag = candidate.strip();
            if (tag.equals("*") || tag.equals(etag) || tag.equals("W/" + etag)) {
                return true;
            }
        }
        return false;
    }

    static AdminReply secured(AdminReply reply) {
        AdminReply out = reply;
        for (Map.Entry<String, String> header : SECURITY_HEADERS.entrySet()) {
            out = out.withHeader(header.getKey(), header.getValue());
        }
        return out;
    }

    private static AdminReply error(int status, String code, String detail) {
        ObjectNode body = JSON.createObjectNode();
        body.put("error", code);
        body.put("detail", detail);
        return AdminReply.json(status, body);
    }

    private static Asset asset(String name, byte[] body) {
        String etag = "\"" + HexFormat.of().formatHex(sha256().digest(body), 0, 8) + "\"";
        return new Asset(contentType(name), body, etag);
    }

    static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".svg")) {
            return "image/svg+xml";
        }
        throw new IllegalArgumentException("name: " + name + " (expected .html, .css, .js or .svg)");
    }

    private static byte[] resource(String name) {
        try (InputStream in = StatusPage.class.getResourceAsStream("ui/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the router jar lacks the status page's ui/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static String shorten(String text) {
        return text.length() > 100 ? text.substring(0, 100) + "..." : text;
    }
}
