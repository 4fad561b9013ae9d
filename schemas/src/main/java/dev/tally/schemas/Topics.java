package dev.tally.schemas;

import java.util.List;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic Tally reads or writes: the one place topic names live. Each value is plain JSON and
 * each key a UTF-8 string, so stock Kafka tools can read them. Schemas are under
 * {@code schemas/} in this module's resources.
 */
public final class Topics {

    /** A topic with its key and value serdes and what it holds. */
    public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, String schema, String holds) {
    }

    /** Verified deliveries, one record per event. Key {@code source:event_id}; value {@link Envelope}. */
    public static final Topic<String, Envelope> RAW = new Topic<>(
            "webhooks.raw", Serdes.String(), new JsonSerde<>(Envelope.class),
            "envelope.schema.json", "verified webhook events, written by the gateway after its signature check");

    /** Every change of a windowed count or total. Key {@link CountUpdate#topicKey()}; value {@link CountUpdate}. */
    public static final Topic<String, CountUpdate> COUNT_UPDATES = new Topic<>(
            "counts.updates", Serdes.String(), new JsonSerde<>(CountUpdate.class),
            "count-update.schema.json", "each change of a counter's windowed count or all-time total");

    /**
     * Records the processor could not read (not JSON, not an envelope). Key and value are the
     * original bytes; Kafka Streams adds headers naming the exception, topic, partition and offset.
     */
    public static final Topic<byte[], byte[]> DEAD_LETTER = new Topic<>(
            "tally.deadletter", Serdes.ByteArray(), Serdes.ByteArray(),
            null, "records the processor could not read, with error headers");

    public static final List<Topic<?, ?>> ALL = List.of(RAW, COUNT_UPDATES, DEAD_LETTER);

    private Topics() {
    }
}
