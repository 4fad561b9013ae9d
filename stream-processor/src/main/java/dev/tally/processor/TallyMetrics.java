package dev.tally.processor;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.ProcessingContext;

/**
 * Tally's own processor metrics, registered with Kafka Streams (so JMX and any metrics reporter
 * see them): group {@code stream-tally-metrics}, {@code <operation>-total} and
 * {@code <operation>-rate}, tagged with the thread, task and {@code tally-id} (the step).
 */
final class TallyMetrics {

    /** The metric group Kafka Streams gives the sensors of scope "tally". */
    static final String GROUP = "stream-tally-metrics";
    static final String DUPLICATES = "duplicates";
    static final String LATE = "late";
    /** Wall clock minus event time, in ms, when a counting stage counts an event: {@code count-freshness-latency-avg} and {@code -max}. */
    static final String FRESHNESS = "count-freshness";

    private TallyMetrics() {
    }

    static Sensor sensor(final ProcessingContext context, final String step, final String operation) {
        return context.metrics().addRateTotalSensor("tally", step + "-" + context.taskId(), operation,
                Sensor.RecordingLevel.INFO);
    }

    /** A sensor of values with {@code <operation>-latency-avg} and {@code -latency-max} over the recent samples. */
    static Sensor avgMaxSensor(final ProcessingContext context, final String step, final String operation) {
        return context.metrics().addLatencyRateTotalSensor("tally", step + "-" + context.taskId(), operation,
                Sensor.RecordingLevel.INFO);
    }
}
