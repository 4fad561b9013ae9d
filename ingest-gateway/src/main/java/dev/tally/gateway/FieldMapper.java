package dev.tally.gateway;

import java.util.LinkedHashMap;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;

/**
 * Maps a JSON object body to one envelope, each field read where the scheme says; the whole body is
 * the payload. The shape shared by every provider scheme.
 *
 * @param id     required
 * @param type   required
 * @param time   the event time; the receive time when null or when the delivery lacks it
 * @param epoch  what a numeric time counts
 * @param entity optional; null for none
 */
public record FieldMapper(Field id, Field type, Field time, EventTime.Epoch epoch, Field entity) implements EventMapper {

    /** Numeric times in unix seconds, the common case. */
    public static FieldMapper of(final Field id, final Field type, final Field time, final Field entity) {
        return new FieldMapper(id, type, time, EventTime.Epoch.SECONDS, entity);
    }

    public FieldMapper inMillis() {
        return new FieldMapper(id, type, time, EventTime.Epoch.MILLIS, entity);
    }

    @Override
    public Outcome map(final String source, final Delivery delivery) {
        return new Outcome.Events(List.of(envelope(source, delivery, JsonBody.object(delivery))));
    }

    @Override
    public Outbound compose(final Envelope event) {
        final Field.Draft draft = draft(event);
        return new Outbound(draft.headers(), JsonBody.bytes(draft.body()));
    }

    /** One event object with its headers: the body itself, or one element of a batch. */
    Field.Draft draft(final Envelope event) {
        final ObjectNode body = event.payload() != null && event.payload().isObject()
                ? ((ObjectNode) event.payload()).deepCopy() : Json.MAPPER.createObjectNode();
        final Field.Draft draft = new Field.Draft(new LinkedHashMap<>(), body);
        id.write(draft, event.eventId());
        type.write(draft, event.eventType());
        if (time != null) {
            time.write(draft, event.eventTime().toString());
        }
        if (entity != null && event.entityId() != null) {
            entity.write(draft, event.entityId());
        }
        return draft;
    }

    /** The envelope of one event object: the body itself, or one element of a batch. */
    Envelope envelope(final String source, final Delivery delivery, final JsonNode event) {
        return new Envelope(
                source,
                id.required(delivery, event),
                type.required(delivery, event),
                time == null ? delivery.receivedAt() : time.time(delivery, event, epoch),
                delivery.receivedAt(),
                entity == null ? null : entity.read(delivery, event),
                event.isObject() ? event : null,
                null);
    }
}
