package dev.tally.gateway;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tally.schemas.Envelope;

/**
 * Senders that first check the endpoint with a handshake delivery, which must be answered directly
 * and is not an event: Slack's {@code url_verification} (echo the challenge) and Discord's PING
 * (answer {@code {"type":1}}). Runs after signature verification, like any mapping.
 *
 * @param pointer where the body says what kind of delivery it is
 * @param value   the kind that is the handshake
 * @param reply   the answer, from the handshake's body
 * @param events  how every other delivery is mapped
 */
public record HandshakeMapper(String pointer, String value, Function<JsonNode, Map<String, Object>> reply,
                              FieldMapper events) implements EventMapper {

    @Override
    public Outcome map(final String source, final Delivery delivery) {
        final JsonNode body = JsonBody.object(delivery);
        if (value.equals(JsonBody.text(body.at(pointer)))) {
            return new Outcome.Reply(reply.apply(body));
        }
        return new Outcome.Events(List.of(events.envelope(source, delivery, body)));
    }

    @Override
    public Outbound compose(final Envelope event) {
        return events.compose(event);
    }
}
