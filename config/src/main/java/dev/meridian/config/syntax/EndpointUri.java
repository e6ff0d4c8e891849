package dev.meridian.config.syntax;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The rules for an upstream endpoint URL: {@code http} or {@code https}, a host, an optional
 * port, nothing else. Endpoints are normalised (lowercase scheme and host, explicit port, no
 * trailing slash) so that two spellings of one endpoint compare equal and the data path never
 * has to apply default ports.
 */
public final class EndpointUri {

    /** What an endpoint looks like, quoted in every message. */
    public static final String EXAMPLE = "http://10.1.0.5:5052";

    private EndpointUri() {}

    /**
     * Parses and normalises {@code text}.
     *
     * @throws IllegalArgumentException with a one-line message that starts with the quoted text
     */
    public static URI parse(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    QuotedText.of(redacted(text)) + " is not a valid URL (" + e.getReason() + " at index " + e.getIndex() + ")");
        }
        return normalize(uri, text);
    }

    /**
     * Checks and normalises an already parsed URI.
     *
     * @throws IllegalArgumentException with a one-line message that starts with the quoted URI
     */
    public static URI normalize(URI uri) {
        return normalize(uri, uri.toString());
    }

    private static URI normalize(URI uri, String text) {
        String shown = QuotedText.of(redacted(text));
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException(shown + " is not an http(s) URL (expected e.g. " + EXAMPLE + ")");
        }
        if (uri.isOpaque()) {
            throw new IllegalArgumentException(shown + " has no host (expected e.g. " + EXAMPLE + ")");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(shown + " has user info (expected no credentials, e.g. " + EXAMPLE + ")");
        }
        String host = uri.getHost();
        if (host == null) {
            String authority = uri.getRawAuthority();
            throw new IllegalArgumentException(authority == null || authority.isEmpty()
                    ? shown + " has no host (expected e.g. " + EXAMPLE + ")"
                    : shown + " has an invalid host " + QuotedText.of(authority) + " (expected a host name or IP address, e.g. " + EXAMPLE + ")");
        }
        String path = uri.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            throw new IllegalArgumentException(shown + " has a path " + QuotedText.of(path) + " (expected no path, e.g. " + EXAMPLE + ")");
        }
        if (uri.getRawQuery() != null) {
            throw new IllegalArgumentException(shown + " has a query (expected no query, e.g. " + EXAMPLE + ")");
        }
        if (uri.getRawFragment() != null) {
            throw new IllegalArgumentException(shown + " has a fragment (expected no fragment, e.g. " + EXAMPLE + ")");
        }
        int port = uri.getPort();
        if (port == -1) {
            port = scheme.equals("https") ? 443 : 80;
        } else if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(shown + " has port " + port + " (expected: 1..65535)");
        }
        return URI.create(scheme + "://" + host.toLowerCase(Locale.ROOT) + ":" + port);
    }

    /** Never echo credentials: {@code http://user:secret@host} is shown as {@code http://***@host}. */
    private static String redacted(String text) {
        int schemeEnd = text.indexOf("://");
        if (schemeEnd < 0) {
            return text;
        }
        int authorityStart = schemeEnd + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < text.length() && "/?#".indexOf(text.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        int at = text.lastIndexOf('@', authorityEnd - 1);
        if (at < authorityStart) {
            return text;
        }
        return text.substring(0, authorityStart) + "***" + text.substring(at);
    }
}
