package dev.tally.processor;

import java.util.Map;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One processor instance's own figures, read from its Kafka Streams metrics: what the query API's
 * pipeline view shows. Part of the processor's contract with the query API, like {@link CounterState}.
 *
 * @param duplicates      deliveries dropped as duplicates since start (Tally's {@code duplicates-total}, every task)
 * @param late            events that missed a closed window since start ({@code late-total}, every task)
 * @param lagRecords      records the processor's consumers have yet to read, over every partition they own
 * @param freshnessMillis the wall clock minus an event's time when a counting stage counts it (Tally's
 *                        {@code count-freshness-latency-avg}), the slowest stage's recent average; null before any
 *                        event was counted
 */
public record ProcessorMetrics(long duplicates, long late, long lagRecords, Double freshnessMillis) {

    public static ProcessorMetrics of(final KafkaStreams streams) {
        return of(streams.metrics());
    }

    static ProcessorMetrics of(final Map<MetricName, ? extends Metric> metrics) {
        double duplicates = 0;
        double late = 0;
        double lag = 0;
        Double freshness = null;
        for (final Map.Entry<MetricName, ? extends Metric> m : metrics.entrySet()) {
            final MetricName name = m.getKey();
            if (!(m.getValue().metricValue() instanceof Double value) || value.isNaN() || value.isInfinite()) {
                continue;
            }
            if (name.group().equals(TallyMetrics.GROUP) && name.name().equals(TallyMetrics.DUPLICATES + "-total")) {
                duplicates += value;
            } else if (name.group().equals(TallyMetrics.GROUP) && name.name().equals(TallyMetrics.LATE + "-total")) {
                late += value;
            } else if (name.group().equals("consumer-fetch-manager-metrics") && name.name().equals("records-lag")
                    && name.tags().containsKey("partition")
                    && !name.tags().getOrDefault("client-id", "").endsWith("restore-consumer")) {
                lag += value;
            } else if (name.group().equals(TallyMetrics.GROUP) && name.name().equals(TallyMetrics.FRESHNESS + "-latency-avg")) {
                freshness = freshness == null ? value : Math.max(freshness, value);
            }
        }
        return new ProcessorMetrics((long) duplicates, (long) late, (long) lag, freshness);
    }
}
