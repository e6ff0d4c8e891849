/**
 * {@code meridian loadgen} and the load generator behind it ({@link dev.meridian.loadtest.load.LoadGenerator}):
 * open-loop (constant arrival rate, latency from the intended send time) and closed-loop HTTP/1.1
 * load over keep-alive Netty connections, recorded in HdrHistograms and written as JSON, an
 * HdrHistogram percentile distribution and SVG plots (latency by percentile, per-second timelines).
 */
@NullMarked
package dev.meridian.loadtest.load;

import org.jspecify.annotations.NullMarked;
