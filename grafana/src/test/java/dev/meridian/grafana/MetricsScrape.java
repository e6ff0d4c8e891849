package dev.meridian.grafana;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * One scrape of {@code GET /metrics} in the Prometheus text format (0.0.4), reduced to what the
 * dashboard checks need: which series names exist and each family's type.
 *
 * <p>Sample lines are {@code name{labels} value [timestamp]} or {@code name value}; comment lines
 * {@code # TYPE name type} and {@code # HELP name text}. In this format a counter family's name
 * already ends in {@code _total}, and a histogram family {@code x} has only {@code x_bucket},
 * {@code x_count} and {@code x_sum} series (Micrometer adds a gauge {@code x_max}), never {@code x}
 * itself, so a query of plain {@code x} finds nothing.
 */
final class MetricsScrape {

    private final Set<String> series;
    private final Map<String, String> types;

    private MetricsScrape(Set<String> series, Map<String, String> types) {
        this.series = series;
        this.types = types;
    }

    static MetricsScrape parse(String text) {
        Set<String> series = new TreeSet<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] parts = line.split("\\s+", 4);
                if (parts.length >= 4 && parts[1].equals("TYPE")) {
                    types.put(parts[2], parts[3]);
                }
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && !Character.isWhitespace(line.charAt(end))) {
                end++;
            }
            series.add(line.substring(0, end));
        }
        return new MetricsScrape(series, types);
    }

    /** Every series name with at least one sample, sorted. */
    Set<String> series() {
        return series;
    }

    /** The family's {@code # TYPE}, or {@code null}. */
    @Nullable String type(String family) {
        return types.get(family);
    }

    /**
     * Whether a query of {@code name} finds series: a sample line has it, or it is one of the
     * {@code _bucket}, {@code _count}, {@code _sum} series of a histogram family declared by a
     * {@code # TYPE} line (which exist as soon as the family does, observed or not).
     */
    boolean has(String name) {
        if (series.contains(name)) {
            return true;
        }
        for (String suffix : new String[] {"_bucket", "_count", "_sum"}) {
            if (name.endsWith(suffix)) {
                String type = types.get(name.substring(0, name.length() - suffix.length()));
                if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Why a name a query uses is not here, when there is a more useful answer than "absent". */
    @Nullable String hint(String name) {
        String type = types.get(name);
        if ("histogram".equals(type)) {
            return "'" + name + "' is a histogram: query " + name + "_bucket, " + name + "_count or " + name + "_sum";
        }
        if ("summary".equals(type)) {
            return "'" + name + "' is a summary: query " + name + "_count or " + name + "_sum";
        }
        for (String candidate : nearNames(name)) {
            if (has(candidate)) {
                return "the scrape has '" + candidate + "'";
            }
        }
        return null;
    }

    /** The same name with a {@code _total} or unit suffix added or removed: the usual naming slips. */
    private static List<String> nearNames(String name) {
        List<String> near = new ArrayList<>();
        for (String suffix : List.of("_total", "_bytes", "_seconds")) {
            near.add(name.endsWith(suffix) ? name.substring(0, name.length() - suffix.length()) : name + suffix);
        }
        return near;
    }
}
