package dev.tally.schemas;

import java.time.Instant;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One verified webhook event as the gateway writes it to {@link Topics#RAW}: who sent it, its id and
 * type, when it happened (event time) and when Tally received it. Schema:
 * {@code schemas/envelope.schema.json}.
 *
 * @param source        the configured source name (the {@code {source}} of {@code POST /webhooks/{source}})
 * @param eventId       the sender's id for the event; (source, eventId) identifies it for dedupe
 * @param eventType     the sender's event type, such as {@code order.created}
 * @param eventTime     when the event happened, by the sender's clock; the processor windows by it
 * @param receivedAt    when the gateway received the delivery
 * @param entityId      optional entity the event is about (a customer, a repository)
 * @param payload       the sender's payload object, or null
 * @param schemaVersion the version of the sender's body schema, or null
 */
public record Envelope(
        String source,
        String eventId,
        String eventType,
        Instant eventTime,
        Instant receivedAt,
        String entityId,
        JsonNode payload,
        String schemaVersion) {

    public Envelope {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(eventTime, "eventTime");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }

    /** The raw topic's key: {@code source + ":" + eventId}, so all deliveries of one event share a partition. */
    public String key() {
        return rawKey(source, eventId);
    }

    public static String rawKey(final String source, final String eventId) {
        return source + ":" + eventId;
    }
}
