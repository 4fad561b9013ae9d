package dev.tally.processor;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/** Windows by event time: the envelope's {@code event_time}, not the Kafka record's timestamp (receive time). */
public final class EventTimeExtractor implements TimestampExtractor {

    @Override
    public long extract(final ConsumerRecord<Object, Object> record, final long partitionTime) {
        return record.value() instanceof ReceivedEvent event ? event.envelope().eventTime().toEpochMilli() : record.timestamp();
    }
}
