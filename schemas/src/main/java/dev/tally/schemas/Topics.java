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
            "webhooks.raw", Serdes.String(), new EnvelopeSerde(),
            "envelope.schema.json", "verified webhook events, written by the gateway after its signature check");

    /**
     * Deliveries the gateway refused (signature, schema, size, rate, content type, allowlist), sampled
     * to a bounded rate. Key: the source name; value {@link Rejection}, which never holds the body or
     * a secret.
     */
    public static final Topic<String, Rejection> REJECTED = new Topic<>(
            "webhooks.rejected", Serdes.String(), new JsonSerde<>(Rejection.class),
            "rejection.schema.json", "deliveries the gateway refused, with the reason and redacted headers, sampled");

    /**
     * The deduplicated events in event-time order (per partition), released after the reorder
     * delay. Key {@code source:event_id}; value {@link Envelope}; record timestamp = event time.
     */
    public static final Topic<String, Envelope> ORDERED = new Topic<>(
            "events.ordered", Serdes.String(), new EnvelopeSerde(),
            "envelope.schema.json", "deduplicated events in event-time order, for data teams");

    /**
     * The latest counts of each key that changed, coalesced to at least one record per commit interval.
     * Key {@link KeyCounts#topicKey()} ({@code counter|key}); value {@link KeyCounts}.
     */
    public static final Topic<String, KeyCounts> COUNT_UPDATES = new Topic<>(
            "counts.updates", Serdes.String(), new JsonSerde<>(KeyCounts.class),
            "key-counts.schema.json", "the latest total and open-window counts of each key that changed");

    /** Exactly one record per window, once it closed (end + grace). Key {@link CountUpdate#topicKey()}; value {@link CountUpdate}. */
    public static final Topic<String, CountUpdate> COUNT_FINAL = new Topic<>(
            "counts.final", Serdes.String(), new JsonSerde<>(CountUpdate.class),
            "count-update.schema.json", "each window's final count, once, after the window closed");

    /** Events that missed a closed window. Key {@code source:event_id}; value {@link LateEvent}. */
    public static final Topic<String, LateEvent> LATE = new Topic<>(
            "events.late", Serdes.String(), new JsonSerde<>(LateEvent.class),
            "late-event.schema.json", "events that arrived after their window closed, with the window they missed");

    /** Thresholds reached. Key {@link Alert#topicKey()}; value {@link Alert}. */
    public static final Topic<String, Alert> ALERTS = new Topic<>(
            "alerts", Serdes.String(), new JsonSerde<>(Alert.class),
            "alert.schema.json", "a key's count in a window first reached a configured threshold");

    /**
     * Alerts the notifier gave up delivering to a sink (attempt limit or deadline reached). Key
     * {@link UndeliveredAlert#topicKey()}; value {@link UndeliveredAlert}.
     */
    public static final Topic<String, UndeliveredAlert> UNDELIVERED = new Topic<>(
            "alerts.undelivered", Serdes.String(), new JsonSerde<>(UndeliveredAlert.class),
            "undelivered-alert.schema.json", "alerts the notifier gave up delivering to a sink, with the last status and reason");

    /**
     * Records the processor could not read (not JSON, not an envelope). Key and value are the
     * original bytes; Kafka Streams adds headers naming the exception, topic, partition and offset.
     */
    public static final Topic<byte[], byte[]> DEAD_LETTER = new Topic<>(
            "tally.deadletter", Serdes.ByteArray(), Serdes.ByteArray(),
            null, "records the processor could not read, with error headers");

    public static final List<Topic<?, ?>> ALL = List.of(RAW, REJECTED, ORDERED, COUNT_UPDATES, COUNT_FINAL, LATE, ALERTS, UNDELIVERED,
            DEAD_LETTER);

    private Topics() {
    }
}
