package dev.meridian.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MetricsScrapeTest {

    private static final String TEXT = """
            # HELP meridian_requests_seconds whole request time
            # TYPE meridian_requests_seconds histogram
            meridian_requests_seconds_bucket{region="us-east4",le="0.05"} 3.0
            meridian_requests_seconds_count{region="us-east4"} 3.0
            meridian_requests_seconds_sum{region="us-east4"} 0.02
            # TYPE meridian_time_to_first_byte_seconds histogram
            # TYPE meridian_retries_total counter
            meridian_retries_total{region="us-east4",reason="gateway_failure"} 1.0
            # TYPE jvm_threads_live_threads gauge
            jvm_threads_live_threads 42.0 1700000000000
            # TYPE netty_allocator_memory_used gauge
            netty_allocator_memory_used{memory_type="direct"} 8388608.0
            """;

    private final MetricsScrape scrape = MetricsScrape.parse(TEXT);

    @Test
    void sampleLinesNameTheSeriesWithOrWithoutLabels() {
        assertThat(scrape.series()).containsExactly("jvm_threads_live_threads", "meridian_requests_seconds_bucket",
                "meridian_requests_seconds_count", "meridian_requests_seconds_sum", "meridian_retries_total",
                "netty_allocator_memory_used");
        assertThat(scrape.type("meridian_requests_seconds")).isEqualTo("histogram");
    }

    @Test
    void aHistogramFamilyHasItsBucketCountAndSumSeriesButNotItsOwnName() {
        assertThat(scrape.has("meridian_requests_seconds_bucket")).isTrue();
        assertThat(scrape.has("meridian_time_to_first_byte_seconds_count"))
                .as("declared by # TYPE, not observed yet").isTrue();
        assertThat(scrape.has("meridian_requests_seconds")).isFalse();
        assertThat(scrape.hint("meridian_requests_seconds")).contains("is a histogram");
    }

    @Test
    void aMissingSuffixOrAnExtraUnitIsHinted() {
        assertThat(scrape.has("meridian_retries")).isFalse();
        assertThat(scrape.hint("meridian_retries")).contains("'meridian_retries_total'");
        assertThat(scrape.hint("netty_allocator_memory_used_bytes")).contains("'netty_allocator_memory_used'");
        assertThat(scrape.hint("meridian_nothing_like_it")).isNull();
    }
}
