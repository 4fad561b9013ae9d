package dev.tally.gateway;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;
import dev.tally.schemas.ProblemException;

/**
 * A body that is a JSON array of events (SendGrid): each element becomes one envelope, mapped by
 * {@code element}. A bad element rejects the whole delivery, naming its index, so the sender retries
 * it whole rather than Tally keeping part of it.
 */
public record BatchMapper(FieldMapper element) implements EventMapper {

    @Override
    public Outcome map(final String source, final Delivery delivery) {
        final JsonNode body = JsonBody.parse(delivery);
        if (!body.isArray() || body.isEmpty()) {
            throw ProblemException.badRequest("The body must be a non-empty JSON array of event objects.");
        }
        final List<Envelope> events = new ArrayList<>();
        for (int i = 0; i < body.size(); i++) {
            final JsonNode event = body.get(i);
            try {
                if (!event.isObject()) {
                    throw ProblemException.badRequest("It is not a JSON object.");
                }
                events.add(element.envelope(source, delivery, event));
            } catch (ProblemException e) {
                throw ProblemException.badRequest("Event [" + i + "] of the array: " + e.problem().detail());
            }
        }
        return new Outcome.Events(events);
    }

    /** A batch of the one event. */
    @Override
    public Outbound compose(final Envelope event) {
        final Field.Draft draft = element.draft(event);
        return new Outbound(draft.headers(), JsonBody.bytes(Json.MAPPER.createArrayNode().add(draft.body())));
    }
}
