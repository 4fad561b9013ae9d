package dev.tally.processor;

import java.time.Duration;
import java.time.Instant;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.config.Durations;
import dev.tally.schemas.LateEvent;
import dev.tally.schemas.Topics;

/**
 * Keeps events stamped too far in the future out of the count path, before the dedupe: an event
 * whose time is more than {@code processor.max_future_skew} ahead of the wall clock, or of its
 * record's Kafka timestamp (then {@link EventTimeExtractor} did not take its event time), goes to
 * {@link #FUTURE} instead of {@link #ON_TIME} and is counted in the {@code future-events-total}
 * metric (group {@code stream-tally-metrics}). It never reaches the dedupe store (so a later,
 * correct delivery of the same id is counted), the watermark, a window or a total.
 *
 * <p>Reads records keyed {@code source:event_id} with {@link ReceivedEvent} values; forwards them
 * unchanged to the child named {@link #ON_TIME}, or, timestamped with the wall clock (a time Kafka
 * accepts), to the child named {@link #FUTURE}, which writes the {@link LateEvent} ({@link Report}).
 * No store.
 */
public final class FutureEventGuard implements Processor<String, ReceivedEvent, String, ReceivedEvent> {

    /** The child that gets every other event: the dedupe. */
    static final String ON_TIME = "dedupe";
    /** The child that gets the events stamped too far ahead. */
    static final String FUTURE = "future-report";

    private static final Logger LOG = LoggerFactory.getLogger(FutureEventGuard.class);

    private final long maxFutureSkewMs;
    private ProcessorContext<String, ReceivedEvent> context;
    private Sensor future;

    FutureEventGuard(final Duration maxFutureSkew) {
        this.maxFutureSkewMs = maxFutureSkew.toMillis();
    }

    @Override
    public void init(final ProcessorContext<String, ReceivedEvent> context) {
        this.context = context;
        this.future = TallyMetrics.sensor(context, "future-guard", "future-events");
    }

    @Override
    public void process(final Record<String, ReceivedEvent> record) {
        final long wallNow = context.currentSystemTimeMs();
        final long eventTime = record.value().envelope().eventTime().toEpochMilli();
        // record.timestamp() is the event time unless the extractor found it too far ahead of the Kafka timestamp.
        if (eventTime - Math.min(wallNow, record.timestamp()) <= maxFutureSkewMs) {
            context.forward(record, ON_TIME);
            return;
        }
        future.record();
        context.recordMetadata().ifPresent(m -> LOG.atWarn().addKeyValue("source", record.value().envelope().source())
                .addKeyValue("event_id", record.value().envelope().eventId())
                .log("event time {} is more than max_future_skew ({}) ahead of the wall clock {}; not counted, written to {} "
                                + "(topic {} partition {} offset {})", record.value().envelope().eventTime(),
                        Durations.format(Duration.ofMillis(maxFutureSkewMs)), Instant.ofEpochMilli(wallNow), Topics.LATE.name(),
                        m.topic(), m.partition(), m.offset()));
        context.forward(record.withTimestamp(wallNow), FUTURE);
    }

    /** Turns an event the guard kept out into its {@link LateEvent}; the record's timestamp is the guard's wall clock. */
    static final class Report implements FixedKeyProcessor<String, ReceivedEvent, LateEvent> {

        private final Duration maxFutureSkew;
        private FixedKeyProcessorContext<String, LateEvent> context;

        Report(final Duration maxFutureSkew) {
            this.maxFutureSkew = maxFutureSkew;
        }

        @Override
        public void init(final FixedKeyProcessorContext<String, LateEvent> context) {
            this.context = context;
        }

        @Override
        public void process(final FixedKeyRecord<String, ReceivedEvent> record) {
            final var event = record.value().envelope();
            final Instant wallClock = Instant.ofEpochMilli(record.timestamp());
            final String skew = Durations.format(maxFutureSkew);
            context.forward(record.withValue(LateEvent.futureTimestamp(event.source(), event.eventId(), event.eventTime(),
                    event.receivedAt(), wallClock, skew, "event time " + event.eventTime() + " is more than max_future_skew (" + skew
                            + ") ahead of the processor's wall clock (" + wallClock + ") or of its Kafka record's timestamp;"
                            + " counted in no window and no total")));
        }
    }
}
