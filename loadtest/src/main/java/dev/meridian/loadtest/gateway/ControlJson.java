package dev.meridian.loadtest.gateway;

import dev.meridian.router.json.JsonLineWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The control port's documents: stats, fault, latency and hold, to and from JSON.
 *
 * <p>Readers are strict so a typo fails loudly instead of silently leaving the gateway healthy: an
 * unknown field, a field that does not apply to the chosen fault mode, a wrong type or an
 * out-of-range value is an {@link IllegalArgumentException} whose message names the field (the
 * control handler turns it into a 400). Durations are strings such as {@code "200ms"}.
 * Field names are kebab-case ({@code retry-after}, {@code after-chunks}); the camelCase spellings
 * of the record components ({@code retryAfter}, {@code afterChunks}) are accepted too.
 */
final class ControlJson {

    private ControlJson() {
    }

    static String stats(String name, GatewayStats stats) {
        StringBuilder json = new StringBuilder(512).append("{\"name\":");
        JsonLineWriter.appendQuoted(json, name)
                .append(",\"connectionsAccepted\":").append(stats.connectionsAccepted())
                .append(",\"openConnections\":").append(stats.openConnections())
                .append(",\"requests\":").append(stats.requests())
                .append(",\"requestsByPath\":{");
        boolean first = true;
        for (Map.Entry<String, Long> path : stats.requestsByPath().entrySet()) {
            if (!first) {
                json.append(',');
            }
            first = false;
            JsonLineWriter.appendQuoted(json, path.getKey()).append(':').append(path.getValue());
        }
        return json.append("},\"responsesCompleted\":").append(stats.responsesCompleted())
                .append(",\"cancelled\":").append(stats.cancelled())
                .append(",\"bytesReceived\":").append(stats.bytesReceived())
                .append('}').toString();
    }

    static String fault(Fault fault) {
        StringBuilder json = new StringBuilder(96).append("{\"mode\":");
        JsonLineWriter.appendQuoted(json, fault.mode());
        if (fault instanceof Fault.Slow slow) {
            json.append(",\"extra\":");
            JsonLineWriter.appendQuoted(json, DurationText.format(slow.extra()));
        } else if (fault instanceof Fault.Errors errors) {
            json.append(",\"status\":").append(errors.status()).append(",\"rate\":").append(errors.rate());
            if (errors.retryAfter() != null) {
                json.append(",\"retry-after\":");
                JsonLineWriter.appendQuoted(json, DurationText.format(errors.retryAfter()));
            }
        } else if (fault instanceof Fault.ResetMidStream reset) {
            json.append(",\"after-chunks\":").append(reset.afterChunks());
        }
        return json.append('}').toString();
    }

    static String latency(LatencyModel latency) {
        return "{\"median\":" + JsonLineWriter.quoted(DurationText.format(latency.median()))
                + ",\"p99\":" + JsonLineWriter.quoted(DurationText.format(latency.p99())) + "}";
    }

    static String hold(boolean hold) {
        return "{\"hold\":" + hold + "}";
    }

    /**
     * Reads {@code {"mode":"none|hang|slow|errors|reset-mid-stream", ...}}: {@code slow} needs
     * {@code extra}; {@code errors} takes {@code status} (default 503), {@code rate} (default 1.0)
     * and {@code retry-after}; {@code reset-mid-stream} needs {@code after-chunks}.
     */
    static Fault parseFault(String body) {
        Map<String, @Nullable Object> fields = object(body);
        String mode = string(fields, "mode");
        if (mode == null) {
            throw new IllegalArgumentException("mode: missing (expected: none, hang, slow, errors or reset-mid-stream)");
        }
        return switch (mode) {
            case "none" -> {
                allowOnly(fields, mode, Set.of("mode"));
                yield Fault.none();
            }
            case "hang" -> {
                allowOnly(fields, mode, Set.of("mode"));
                yield Fault.hang();
            }
            case "slow" -> {
                allowOnly(fields, mode, Set.of("mode", "extra"));
                Duration extra = duration(fields, "extra");
                if (extra == null) {
                    throw new IllegalArgumentException("extra: missing (expected: a duration such as \"200ms\")");
                }
                yield Fault.slow(extra);
            }
            case "errors" -> {
                allowOnly(fields, mode, Set.of("mode", "status", "rate", "retry-after", "retryAfter"));
                BigDecimal status = number(fields, "status");
                BigDecimal rate = number(fields, "rate");
                Duration retryAfter = duration(fields, fields.containsKey("retryAfter") ? "retryAfter" : "retry-after");
                yield new Fault.Errors(
                        status == null ? 503 : intValue("status", status),
                        rate == null ? 1.0 : rate.doubleValue(),
                        retryAfter);
            }
            case "reset-mid-stream" -> {
                allowOnly(fields, mode, Set.of("mode", "after-chunks", "afterChunks"));
                BigDecimal after = number(fields, fields.containsKey("afterChunks") ? "afterChunks" : "after-chunks");
                if (after == null) {
                    throw new IllegalArgumentException("after-chunks: missing (expected: an integer >= 0)");
                }
                yield Fault.resetMidStream(intValue("after-chunks", after));
            }
            default -> throw new IllegalArgumentException(
                    "mode: '" + mode + "' (expected: none, hang, slow, errors or reset-mid-stream)");
        };
    }

    /** Reads {@code {"median":"20ms","p99":"200ms"}}; without {@code p99} the delay is fixed. */
    static LatencyModel parseLatency(String body) {
        Map<String, @Nullable Object> fields = object(body);
        allowOnly(fields, null, Set.of("median", "p99"));
        Duration median = duration(fields, "median");
        if (median == null) {
            throw new IllegalArgumentException("median: missing (expected: a duration such as \"20ms\")");
        }
        Duration p99 = duration(fields, "p99");
        return new LatencyModel(median, p99 == null ? median : p99);
    }

    /** Reads {@code {"hold":true|false}}. */
    static boolean parseHold(String body) {
        Map<String, @Nullable Object> fields = object(body);
        allowOnly(fields, null, Set.of("hold"));
        Object hold = fields.get("hold");
        if (!(hold instanceof Boolean value)) {
            throw new IllegalArgumentException("hold: " + describe(hold) + " (expected: true or false)");
        }
        return value;
    }

    private static Map<String, @Nullable Object> object(String body) {
        if (body.isBlank()) {
            throw new IllegalArgumentException("body: empty (expected: a JSON object)");
        }
        return JsonText.parseObject(body);
    }

    private static void allowOnly(Map<String, @Nullable Object> fields, @Nullable String mode, Set<String> allowed) {
        for (String field : fields.keySet()) {
            if (!allowed.contains(field)) {
                throw new IllegalArgumentException(mode == null
                        ? field + ": unknown field (expected one of " + allowed + ")"
                        : field + ": does not apply to mode '" + mode + "'");
            }
        }
    }

    private static @Nullable String string(Map<String, @Nullable Object> fields, String field) {
        return typed(fields, field, String.class, "a string");
    }

    private static @Nullable BigDecimal number(Map<String, @Nullable Object> fields, String field) {
        return typed(fields, field, BigDecimal.class, "a number");
    }

    private static @Nullable Duration duration(Map<String, @Nullable Object> fields, String field) {
        String text = typed(fields, field, String.class, "a duration string such as \"200ms\"");
        if (text == null) {
            return null;
        }
        try {
            return DurationText.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }

    /** The field's value when it is a {@code type}; null when absent; else an error saying what was {@code expected}. */
    private static <T> @Nullable T typed(Map<String, @Nullable Object> fields, String field, Class<T> type, String expected) {
        Object value = fields.get(field);
        if (value == null) {
            return null;
        }
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException(field + ": " + describe(value) + " (expected: " + expected + ")");
        }
        return type.cast(value);
    }

    private static int intValue(String field, BigDecimal number) {
        try {
            return number.intValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(field + ": " + number.toPlainString() + " (expected: an integer)", e);
        }
    }

    private static String describe(@Nullable Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String text) {
            return JsonLineWriter.quoted(text);
        }
        if (value instanceof BigDecimal number) {
            return number.toPlainString();
        }
        if (value instanceof Map) {
            return "an object";
        }
        if (value instanceof java.util.List) {
            return "an array";
        }
        return value.toString();
    }
}
