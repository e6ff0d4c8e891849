package dev.meridian.grafana;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PromQlTest {

    /** A case: what it shows, the expression, and the metric names read from it, in order. */
    private static Arguments reads(String what, String expression, String... metrics) {
        return arguments(what, expression, List.of(metrics));
    }

    static Stream<Arguments> expressions() {
        return Stream.of(
                reads("a histogram quantile reads only the bucket series",
                        "histogram_quantile(0.95, sum by (le, region) "
                                + "(rate(meridian_time_to_first_byte_seconds_bucket{region=~\"$region\"}[$__rate_interval])))",
                        "meridian_time_to_first_byte_seconds_bucket"),
                // label lists after grouping and matching keywords are not metrics
                reads("ignoring, group_left", "a / ignoring(route) group_left b", "a", "b"),
                reads("on, group_left with labels", "a * on (region) group_left (route, le) b", "a", "b"),
                reads("on, empty group_right", "a > on(region) group_right() b", "a", "b"),
                reads("without", "sum without (instance, job) (a)", "a"),
                reads("by, ignoring without a space", "sum(rate(a[5m])) by (region) / ignoring (route)group_left b", "a", "b"),
                // offsets, @ modifiers and durations are not metrics
                reads("offset", "x offset 1h", "x"),
                reads("negative offset, subquery, @ end()", "rate(x[5m] offset -1d2h) - rate(y[1h:30s] @ end())", "x", "y"),
                reads("@ timestamp and offset", "x @ 1609746000 offset 5m30s", "x"),
                // string literals are not metrics, even when they look like ones
                reads("double and single quotes", "label_replace(up, \"dst\", \"meridian_fake_total\", \"src\", '(.*)')", "up"),
                reads("backticks and escaped quotes", "count_values(`meridian_version`, x{a=\"b\\\"c fake_metric\"})", "x"),
                reads("braces and quotes in label values", "a{route=\"x}y\", region!~\"a|b\"} + on(region) b{x='y'}", "a", "b"),
                // functions, keywords and literals are not metrics
                reads("functions and bool", "clamp_min(sum(rate(a_total[5m])) or vector(0), 0) > bool 0.5", "a_total"),
                reads("set operators", "(a and b) or (c unless d)", "a", "b", "c", "d"),
                reads("any case, numbers", "SUM BY (region) (Rate(x[5m])) * Inf + NaN - 1e-3 * 0x1F + .5", "x"),
                reads("parameters and atan2", "topk(5, quantile(0.9, x)) atan2 y", "x", "y"),
                reads("absent", "absent(meridian_region_available{region=\"us-east4\"} == 1)", "meridian_region_available"),
                reads("time()", "time() - process_start_time_seconds", "process_start_time_seconds"),
                // recording rule names with colons are metrics
                reads("recording rule", "1 - region:meridian_apdex:ratio_rate5m{region=~\"$region\"}",
                        "region:meridian_apdex:ratio_rate5m"),
                reads("recording rule in an alert", "region:meridian_error:ratio_rate1h > (14.4 * (1 - 0.999))",
                        "region:meridian_error:ratio_rate1h"),
                // Grafana variables are not metrics
                reads("variables in every syntax", "rate(x{instance=~\"${instance:regex}\"}[$__rate_interval]) * $scale "
                        + "+ y[${__range}] + z offset $__interval + w[[[interval]]]", "x", "y", "z", "w"),
                reads("a variable alone", "${datasource}"),
                // a name matcher names the metric, but a regex one does not
                reads("__name__ equality", "{__name__=\"meridian_region_weight\", region=\"a\"}", "meridian_region_weight"),
                reads("__name__ regex", "count({__name__=~\"meridian_.+\"})"),
                reads("__name__ inequality", "{__name__!=\"x\"}"),
                reads("comments", "a # divided by requests_total\n / b", "a", "b"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("expressions")
    void metricNamesAreTheSeriesAnExpressionReads(String what, String expression, List<String> metrics) {
        assertThat(PromQl.metricNames(expression)).containsExactlyElementsOf(metrics);
    }

    static Stream<Arguments> templateQueries() {
        return Stream.of(
                reads("label_values of a metric", "label_values(meridian_region_available, region)", "meridian_region_available"),
                reads("label_values with matchers", "label_values(meridian_region_available{job=~\"$job\", a=\",\"}, region)",
                        "meridian_region_available"),
                reads("label_values of a label: region", "label_values(region)"),
                reads("label_values of a label: route", "label_values(route)"),
                reads("metrics() takes a regex", "metrics(meridian_.*)"),
                reads("label_names", "label_names(up)", "up"),
                reads("query_result", "query_result(topk(3, sum by (region) (rate(meridian_requests_seconds_count[5m]))))",
                        "meridian_requests_seconds_count"),
                reads("a plain query", "sum by (region) (meridian_region_weight)", "meridian_region_weight"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templateQueries")
    void templateQueriesReadTheirSelectorsOnly(String what, String query, List<String> metrics) {
        assertThat(PromQl.templateQueryMetricNames(query)).containsExactlyElementsOf(metrics);
    }
}
