/**
 * A small, dependency-free metrics registry rendering the Prometheus text exposition format 0.0.4,
 * and {@link ai.lmi.server.metrics.ServerMetrics}, the metrics the server publishes at {@code GET /metrics}.
 */
package ai.lmi.server.metrics;
