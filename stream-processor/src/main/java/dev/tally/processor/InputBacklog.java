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
 * Which task inputs this instance's consumers have fetched to the end, from the main consumers'
 * per-partition {@code records-lag} metrics, refreshed every {@link #REFRESH}.
 *
 * <p>A watermark stage's time follows the wall clock only while its partition is caught up (see
 * {@link IdleClock}). In a replay the consumer hands out some partitions' records long before
 * others': a partition still waiting for its records is not idle, and if its progress marks ran at
 * the wall clock, the counters would close the replay's windows under the events it has still to read.
 */
public final class InputBacklog implements AutoCloseable {

    static final Duration REFRESH = Duration.ofMillis(250);
    /** Everything caught up, always: for stages driven directly in tests. */
    static final InputBacklog NONE = new InputBacklog(true);

    private final boolean alwaysCaughtUp;
    private volatile Map<String, Double> lags = Map.of();
    private ScheduledExecutorService refresher;

    public InputBacklog() {
        this(false);
    }

    private InputBacklog(final boolean alwaysCaughtUp) {
        this.alwaysCaughtUp = alwaysCaughtUp;
    }

    /**
     * Whether, at the last refresh, this instance's consumer had fetched all of {@code topic}'s
     * {@code partition}: false while records wait, and while it is not known (not fetched yet, not assigned here).
     */
    boolean caughtUp(final String topic, final int partition) {
        if (alwaysCaughtUp) {
            return true;
        }
        final Double lag = lags.get(key(topic, partition));
        return lag != null && lag == 0;
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
