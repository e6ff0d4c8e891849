/**
 * Tests of the Grafana dashboards and Prometheus rules against a running router: the metrics
 * they query exist, promtool accepts the rules, and a real Prometheus computes them.
 */
@NullMarked
package dev.meridian.grafana;

import org.jspecify.annotations.NullMarked;
