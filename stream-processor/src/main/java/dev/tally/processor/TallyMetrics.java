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

    private TallyMetrics() {
    }

    static Sensor sensor(final ProcessingContext context, final String step, final String operation) {
        return context.metrics().addRateTotalSensor("tally", step + "-" + context.taskId(), operation,
                Sensor.RecordingLevel.INFO);
    }
}
