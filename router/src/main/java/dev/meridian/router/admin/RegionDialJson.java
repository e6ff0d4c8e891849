package dev.meridian.router.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meridian.regions.RegionDial;

/**
 * A {@link RegionDial} as JSON, the one shape the state file, the fleet's etcd values, the admin
 * API and the audit trail all use: {@code {"percent": 50, "baseline": 100, "pinned": false,
 * "set_by": "slo-controller"}} ({@code set_by} is {@code null} for a dial nobody set).
 */
final class RegionDialJson {

    private RegionDialJson() {}

    static ObjectNode write(RegionDial dial) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("percent", dial.percent());
        node.put("baseline", dial.baseline());
        node.put("pinned", dial.pinned());
        if (dial.setBy().isEmpty()) {
            node.putNull("set_by");
        } else {
            node.put("set_by", dial.setBy());
        }
        return node;
    }

    /** The dial in {@code node}; throws with a one-line message naming {@code where} on anything unexpected. */
    static RegionDial read(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + ": " + node + " (expected {\"percent\": 0..100, \"baseline\": 0..100, "
                    + "\"pinned\": true|false, \"set_by\": \"...\"})");
        }
        int percent = percent(node.path("percent"), where + ".percent");
        int baseline = percent(node.path("baseline"), where + ".baseline");
        JsonNode pinned = node.path("pinned");
        if (!pinned.isBoolean()) {
            throw new IllegalArgumentException(where + ".pinned: " + pinned + " (expected true or false)");
        }
        JsonNode setBy = node.path("set_by");
        if (!setBy.isMissingNode() && !setBy.isNull() && !setBy.isTextual()) {
            throw new IllegalArgumentException(where + ".set_by: " + setBy + " (expected a name)");
        }
        return new RegionDial(percent, baseline, pinned.booleanValue(), setBy.isTextual() ? setBy.textValue() : "");
    }

    private static int percent(JsonNode value, String where) {
        if (!value.isIntegralNumber() || !value.canConvertToInt()
                || value.intValue() < RegionDial.MIN_PERCENT || value.intValue() > RegionDial.MAX_PERCENT) {
            throw new IllegalArgumentException(where + ": " + value + " (expected " + RegionDial.MIN_PERCENT + ".."
                    + RegionDial.MAX_PERCENT + ")");
        }
        return value.intValue();
    }
}
