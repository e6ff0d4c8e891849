package dev.meridian.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void aHistogramQuantileReadsOnlyTheBucketSeries() {
        assertThat(PromQl.metricNames("histogram_quantile(0.95, sum by (le, region) "
                + "(rate(meridian_time_to_first_byte_seconds_bucket{region=~\"$region\"}[$__rate_interval])))"))
                .containsExactly("meridian_time_to_first_byte_seconds_bucket");
    }

    @Test
    void labelListsAfterGroupingAndMatchingKeywordsAreNotMetrics() {
        assertThat(PromQl.metricNames("a / ignoring(route) group_left b")).containsExactly("a", "b");
        assertThat(PromQl.metricNames("a * on (region) group_left (route, le) b")).containsExactly("a", "b");
        assertThat(PromQl.metricNames("a > on(region) group_right() b")).containsExactly("a", "b");
        assertThat(PromQl.metricNames("sum without (instance, job) (a)")).containsExactly("a");
        assertThat(PromQl.metricNames("sum(rate(a[5m])) by (region) / ignoring (route)group_left b"))
                .containsExactly("a", "b");
    }

    @Test
    void offsetsAtModifiersAndDurationsAreNotMetrics() {
        assertThat(PromQl.metricNames("x offset 1h")).containsExactly("x");
        assertThat(PromQl.metricNames("rate(x[5m] offset -1d2h) - rate(y[1h:30s] @ end())")).containsExactly("x", "y");
        assertThat(PromQl.metricNames("x @ 1609746000 offset 5m30s")).containsExactly("x");
    }

    @Test
    void stringLiteralsAreNotMetricsEvenWhenTheyLookLikeOnes() {
        assertThat(PromQl.metricNames("label_replace(up, \"dst\", \"meridian_fake_total\", \"src\", '(.*)')"))
                .containsExactly("up");
        assertThat(PromQl.metricNames("count_values(`meridian_version`, x{a=\"b\\\"c fake_metric\"})"))
                .containsExactly("x");
        assertThat(PromQl.metricNames("a{route=\"x}y\", region!~\"a|b\"} + on(region) b{x='y'}"))
                .containsExactly("a", "b");
    }

    @Test
    void functionsKeywordsAndLiteralsAreNotMetrics() {
        assertThat(PromQl.metricNames("clamp_min(sum(rate(a_total[5m])) or vector(0), 0) > bool 0.5"))
                .containsExactly("a_total");
        assertThat(PromQl.metricNames("(a and b) or (c unless d)")).containsExactly("a", "b", "c", "d");
        assertThat(PromQl.metricNames("SUM BY (region) (Rate(x[5m])) * Inf + NaN - 1e-3 * 0x1F + .5")).containsExactly("x");
        assertThat(PromQl.metricNames("topk(5, quantile(0.9, x)) atan2 y")).containsExactly("x", "y");
        assertThat(PromQl.metricNames("absent(meridian_region_available{region=\"us-east4\"} == 1)"))
                .containsExactly("meridian_region_available");
        assertThat(PromQl.metricNames("time() - process_start_time_seconds")).containsExactly("process_start_time_seconds");
    }

    @Test
    void recordingRuleNamesWithColonsAreMetrics() {
        assertThat(PromQl.metricNames("1 - region:meridian_apdex:ratio_rate5m{region=~\"$region\"}"))
                .containsExactly("region:meridian_apdex:ratio_rate5m");
        assertThat(PromQl.metricNames("region:meridian_error:ratio_rate1h > (14.4 * (1 - 0.999))"))
                .containsExactly("region:meridian_error:ratio_rate1h");
    }

    @Test
    void grafanaVariablesAreNotMetrics() {
        assertThat(PromQl.metricNames("rate(x{instance=~\"${instance:regex}\"}[$__rate_interval]) * $scale "
                + "+ y[${__range}] + z offset $__interval + w[[[interval]]]"))
                .containsExactly("x", "y", "z", "w");
        assertThat(PromQl.metricNames("${datasource}")).isEmpty();
    }

    @Test
    void aNameMatcherNamesTheMetricButARegexOneDoesNot() {
        assertThat(PromQl.metricNames("{__name__=\"meridian_region_weight\", region=\"a\"}"))
                .containsExactly("meridian_region_weight");
        assertThat(PromQl.metricNames("count({__name__=~\"meridian_.+\"})")).isEmpty();
        assertThat(PromQl.metricNames("{__name__!=\"x\"}")).isEmpty();
    }

    @Test
    void commentsAreNotMetrics() {
        assertThat(PromQl.metricNames("a # divided by requests_total\n / b")).containsExactly("a", "b");
    }

    @Test
    void templateQueriesReadTheirSelectorsOnly() {
        assertThat(PromQl.templateQueryMetricNames("label_values(meridian_region_available, region)"))
                .containsExactly("meridian_region_available");
        assertThat(PromQl.templateQueryMetricNames("label_values(meridian_region_available{job=~\"$job\", a=\",\"}, region)"))
                .containsExactly("meridian_region_available");
        assertThat(PromQl.templateQueryMetricNames("label_values(region)")).isEmpty();
        assertThat(PromQl.templateQueryMetricNames("label_values(route)")).isEmpty();
        assertThat(PromQl.templateQueryMetricNames("metrics(meridian_.*)")).isEmpty();
        assertThat(PromQl.templateQueryMetricNames("label_names(up)")).containsExactly("up");
        assertThat(PromQl.templateQueryMetricNames(
                "query_result(topk(3, sum by (region) (rate(meridian_requests_seconds_count[5m]))))"))
                .containsExactly("meridian_requests_seconds_count");
        assertThat(PromQl.templateQueryMetricNames("sum by (region) (meridian_region_weight)"))
                .containsExactly("meridian_region_weight");
    }
}
