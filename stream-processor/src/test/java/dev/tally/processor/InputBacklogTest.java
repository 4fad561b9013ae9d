package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

/** Reading the consumers' per-partition {@code records-lag} metrics into "is there a backlog". */
class InputBacklogTest {

    @Test
    void shouldCallAPartitionCaughtUpOnlyWhenTheMainConsumerKnowsItHasFetchedEverything() {
        final Map<MetricName, Metric> metrics = new HashMap<>();
        put(metrics, "app-StreamThread-1-consumer", "webhooks_raw", 0, 120.0);
        put(metrics, "app-StreamThread-1-consumer", "webhooks_raw", 1, 0.0);
        put(metrics, "app-StreamThread-1-consumer", "app-by_type-by-key-repartition", 2, Double.NaN);
        put(metrics, "app-StreamThread-1-restore-consumer", "app-reorder-changelog", 0, 99.0);
        final InputBacklog backlog = new InputBacklog();
        backlog.refresh(metrics);

        assertThat(backlog.caughtUp("webhooks.raw", 0)).as("records wait").isFalse();
        assertThat(backlog.caughtUp("webhooks.raw", 1)).as("dots spelled as underscores in the tags").isTrue();
        assertThat(backlog.caughtUp("webhooks.raw", 2)).as("not assigned here").isFalse();
        assertThat(backlog.caughtUp("app-by_type-by-key-repartition", 2)).as("no value yet").isFalse();
        assertThat(backlog.caughtUp("app-reorder-changelog", 0)).as("restoring is not input").isFalse();

        backlog.refresh(lags("webhooks.raw", 0, 0));
        assertThat(backlog.caughtUp("webhooks.raw", 0)).as("each refresh replaces the last").isTrue();
        assertThat(backlog.caughtUp("webhooks.raw", 1)).as("gone with the next refresh").isFalse();
        assertThat(InputBacklog.NONE.caughtUp("webhooks.raw", 0)).isTrue();
    }

    /** Metrics as a main consumer reports them: {@code lag} records not fetched on {@code topic}'s {@code partition}. */
    static Map<MetricName, Metric> lags(final String topic, final int partition, final double lag) {
        final Map<MetricName, Metric> metrics = new HashMap<>();
        put(metrics, "app-StreamThread-1-consumer", topic, partition, lag);
        return metrics;
    }

    private static void put(final Map<MetricName, Metric> metrics, final String clientId, final String topic, final int partition,
                            final double lag) {
        final MetricName name = new MetricName("records-lag", "consumer-fetch-manager-metrics", "",
                Map.of("client-id", clientId, "topic", topic, "partition", String.valueOf(partition)));
        metrics.put(name, new Metric() {
            @Override
            public MetricName metricName() {
                return name;
            }

            @Override
            public Object metricValue() {
                return lag;
            }
        });
    }
}
