package dev.meridian.router.admin;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * A request's {@code If-Match} (RFC 9110 section 13.1.1) against admin revisions: one or more
 * entity tags ({@code "7"}, {@code 7} or {@code W/"7"}), matching when one of them is the
 * revision in force.
 *
 * @param header the header as sent, for the 412 message
 */
record IfMatch(String header) {

    IfMatch {
        requireNonNull(header, "header");
    }

    /** {@code null} when there is no condition: no header, or {@code *}. */
    static @Nullable IfMatch parse(@Nullable String header) {
        if (header == null || header.strip().equals("*")) {
            return null;
        }
        return new IfMatch(header);
    }

    /** Whether one of the tags is {@code revision}. */
    boolean matches(long revision) {
        String wanted = Long.toString(revision);
        for (String tag : header.split(",")) {
            String t = tag.strip();
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
                t = t.substring(1, t.length() - 1);
            }
            if (t.equals(wanted)) {
                return true;
            }
        }
        return false;
    }

    /** The 412 answer when the revision in force is {@code current}. */
    AdminError failed(long current) {
        String shown = header.length() > 64 ? header.substring(0, 64) + "..." : header;
        return AdminError.of(412, "precondition_failed", "If-Match: " + shown + " is not the current revision "
                + current + ": someone changed the state meanwhile; GET /admin/regions and decide again")
                .withHeader("ETag", "\"" + current + "\"");
    }
}
