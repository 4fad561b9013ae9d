package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

/** The pipeline view's processor figures, from Kafka Streams' metrics as they are named. */
class ProcessorMetricsTest {

    private final Map<MetricName, Metric> metrics = new LinkedHashMap<>();

    @Test
    void shouldSumTallysSensorsAndTheMainConsumersLagAndTakeTheSlowestLatency() {
        add(TallyMetrics.GROUP, "duplicates-total", Map.of("task-id", "0_0"), 3.0);
        add(TallyMetrics.GROUP, "duplicates-total", Map.of("task-id", "0_1"), 4.0);
        add(TallyMetrics.GROUP, "duplicates-rate", Map.of("task-id", "0_1"), 9.0);
        add(TallyMetrics.GROUP, "late-total", Map.of("task-id", "1_0"), 2.0);
        add("consumer-fetch-manager-metrics", "records-lag", Map.of("client-id", "a-StreamThread-1-consumer", "partition", "0"), 10.0);
        add("consumer-fetch-manager-metrics", "records-lag", Map.of("client-id", "a-StreamThread-1-consumer", "partition", "1"), Double.NaN);
        add("consumer-fetch-manager-metrics", "records-lag", Map.of("client-id", "a-StreamThread-1-restore-consumer", "partition", "0"), 99.0);
        add(TallyMetrics.GROUP, TallyMetrics.FRESHNESS + "-latency-avg", Map.of("processor-node-id", "a"), 120.0);
        add(TallyMetrics.GROUP, TallyMetrics.FRESHNESS + "-latency-avg", Map.of("processor-node-id", "b"), 5_300.0);
        // Kafka Streams' own end-to-end latency includes events.ordered (held for the reorder delay) and the
        // finals (timestamped at their window's end): not how fresh a count is.
        add("stream-processor-node-metrics", "record-e2e-latency-avg", Map.of("processor-node-id", "ordered"), 6_500.0);

        assertThat(ProcessorMetrics.of(metrics)).isEqualTo(new ProcessorMetrics(7, 2, 10, 5_300.0));
    }

    @Test
    void shouldHaveNoFreshnessBeforeAnyRecord() {
        add(TallyMetrics.GROUP, TallyMetrics.FRESHNESS + "-latency-avg", Map.of("processor-node-id", "a"), Double.NaN);

        assertThat(ProcessorMetrics.of(metrics)).isEqualTo(new ProcessorMetrics(0, 0, 0, null));
    }

    private void add(final String group, final String name, final Map<String, String> tags, final double value) {
        final MetricName metricName = new MetricName(name, group, "", tags);
        metrics.put(metricName, new Metric() {
            @Override
            public MetricName metricName() {
                return metricName;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        });
    }
}
