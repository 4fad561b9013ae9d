package dev.tally.processor;

import java.time.Duration;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Windows by event time: the envelope's {@code event_time}, not the Kafka record's timestamp (the
 * gateway's receive time) — unless the event time is further ahead of the record's timestamp than
 * {@code processor.max_future_skew}. Then the record's timestamp is returned, so that one record
 * stamped 2099 cannot move Kafka Streams' partition and stream time (which follow what this returns)
 * decades ahead, and {@link FutureEventGuard} keeps the event out of every count.
 */
public final class EventTimeExtractor implements TimestampExtractor {

    private final long maxFutureSkewMs;

    public EventTimeExtractor(final Duration maxFutureSkew) {
        this.maxFutureSkewMs = maxFutureSkew.toMillis();
    }

    @Override
    public long extract(final ConsumerRecord<Object, Object> record, final long partitionTime) {
        if (!(record.value() instanceof ReceivedEvent event)) {
            return record.timestamp();
        }
        final long eventTime = event.envelope().eventTime().toEpochMilli();
        return eventTime - record.timestamp() > maxFutureSkewMs ? record.timestamp() : eventTime;
    }
}
