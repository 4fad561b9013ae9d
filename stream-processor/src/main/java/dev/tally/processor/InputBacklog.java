package dev.tally.processor;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Which task inputs still hold records this instance's consumers have not fetched, from the main
 * consumers' per-partition {@code records-lag} metrics, refreshed every {@link #REFRESH}.
 *
 * <p>The stages' {@link IdleClock}s follow the wall clock only when their input has no such
 * backlog. A task that gets no records for a while because its thread is busy with other tasks'
 * backlog — catching up after an outage, or a replay — is not idle: moving its clock to "now" would
 * close every window its backlog still has events for, and send those events to
 * {@code events.late} instead of counting them.
 */
public final class InputBacklog implements AutoCloseable {

    static final Duration REFRESH = Duration.ofMillis(250);
    /** No backlog, ever: for stages driven directly in tests. */
    static final InputBacklog NONE = new InputBacklog();

    private volatile Map<String, Double> lags = Map.of();
    private ScheduledExecutorService refresher;

    /** Whether {@code topic}'s {@code partition} had records not yet fetched at the last refresh. */
    boolean pending(final String topic, final int partition) {
        final Double lag = lags.get(key(topic, partition));
        return lag != null && lag > 0;
    }

    /** Follows {@code streams}' consumer metrics until closed. */
    void watch(final KafkaStreams streams) {
        refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "tally-input-backlog");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(() -> refresh(streams.metrics()), 0, REFRESH.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Reads the main consumers' {@code records-lag} per partition (restore consumers left out). */
    void refresh(final Map<MetricName, ? extends Metric> metrics) {
        final Map<String, Double> next = new HashMap<>();
        metrics.forEach((name, metric) -> {
            final Map<String, String> tags = name.tags();
            if (name.group().equals("consumer-fetch-manager-metrics") && name.name().equals("records-lag")
                    && tags.containsKey("topic") && tags.containsKey("partition")
                    && !tags.getOrDefault("client-id", "").endsWith("restore-consumer")
                    && metric.metricValue() instanceof Double lag && !lag.isNaN()) {
                next.merge(key(tags.get("topic"), Integer.parseInt(tags.get("partition"))), lag, Math::max);
            }
        });
        lags = next;
    }

    // Consumer metrics may spell a topic's dots as underscores; compare both the same way.
    private static String key(final String topic, final int partition) {
        return topic.replace('.', '_') + "#" + partition;
    }

    @Override
    public void close() {
        if (refresher != null) {
            refresher.shutdownNow();
        }
    }
}
