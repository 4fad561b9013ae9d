package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/** Kafka Streams' partition and stream time follow what the extractor returns: never a time far ahead of the record. */
class EventTimeExtractorTest {

    private static final Instant RECEIVED = Instant.parse("2026-11-22T10:00:00Z");
    private final EventTimeExtractor extractor = new EventTimeExtractor(Duration.ofMinutes(5));

    @Test
    void shouldReturnTheEventTimeUpToTheSkewAheadOfTheRecordsTimestamp() {
        assertThat(extract(RECEIVED.minusSeconds(30))).isEqualTo(RECEIVED.minusSeconds(30).toEpochMilli());
        assertThat(extract(RECEIVED.plus(Duration.ofMinutes(5)))).isEqualTo(RECEIVED.plus(Duration.ofMinutes(5)).toEpochMilli());
    }

    @Test
    void shouldReturnTheRecordsTimestampForAnEventStampedFurtherAhead() {
        assertThat(extract(RECEIVED.plus(Duration.ofMinutes(5)).plusMillis(1))).isEqualTo(RECEIVED.toEpochMilli());
        assertThat(extract(Instant.parse("2099-01-01T00:00:00Z"))).isEqualTo(RECEIVED.toEpochMilli());
    }

    private long extract(final Instant eventTime) {
        final Envelope envelope = new Envelope("src", "e1", "push", eventTime, RECEIVED, null, null, "1");
        final byte[] json = Topics.RAW.valueSerde().serializer().serialize(Topics.RAW.name(), envelope);
        final ConsumerRecord<Object, Object> record = new ConsumerRecord<>(Topics.RAW.name(), 0, 0, RECEIVED.toEpochMilli(),
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0, 0, envelope.key(), ReceivedEvent.SERDE.deserializer()
                .deserialize(Topics.RAW.name(), json), new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
        return extractor.extract(record, -1);
    }
}
