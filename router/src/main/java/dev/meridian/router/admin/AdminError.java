package dev.meridian.router.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An admin request that cannot be served, and the answer that says why:
 * {@code {"error": "not_found", "detail": "no region 'x' (configured: a, b)"}}. Thrown by the
 * endpoints and turned into a reply in one place, so every error has the same shape.
 */
final class AdminError extends RuntimeException {

    private final int status;
    private final String error;
    private final @Nullable List<String> problems;
    private final Map<String, String> headers;

    private AdminError(int status, String error, String detail, @Nullable List<String> problems, Map<String, String> headers) {
        super(detail, null, false, false); // control flow, not a bug: no stack trace
        this.status = status;
        this.error = requireNonNull(error, "error");
        this.problems = problems == null ? null : List.copyOf(problems);
        this.headers = headers;
    }

    static AdminError of(int status, String error, String detail) {
        return new AdminError(status, error, detail, null, Map.of());
    }

    static AdminError badRequest(String error, String detail) {
        return of(400, error, detail);
    }

    /** A configuration that cannot be used, with its {@code FILE:LINE:COL: message} lines. */
    static AdminError invalidConfig(List<String> problems) {
        return new AdminError(400, "invalid_config", String.join("\n", problems), problems, Map.of());
    }

    /** A copy that sends {@code name: value} with the error. */
    AdminError withHeader(String name, String value) {
        Map<String, String> next = new LinkedHashMap<>(headers);
        next.put(name, value);
        return new AdminError(status, error, getMessage(), problems, next);
    }

    /** The {@code FILE:LINE:COL: message} lines of an invalid configuration, or else the detail alone. */
    List<String> problems() {
        return problems != null ? problems : List.of(String.valueOf(getMessage()));
    }

    int status() {
        return status;
    }

    String error() {
        return error;
    }

    AdminReply reply() {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("error", error);
        body.put("detail", getMessage());
        if (problems != null) {
            body.putArray("problems").addAll(problems.stream().map(JsonNodeFactory.instance::textNode).toList());
        }
        AdminReply reply = AdminReply.json(status, body);
        for (Map.Entry<String, String> h : headers.entrySet()) {
            reply = reply.withHeader(h.getKey(), h.getValue());
        }
        return reply;
    }
}
