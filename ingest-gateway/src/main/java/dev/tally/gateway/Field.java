package dev.tally.gateway;

import java.time.Instant;
import java.util.function.BiFunction;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tally.schemas.ProblemException;

/**
 * Where one envelope field is read from in a verified delivery: a header, a JSON pointer into the
 * body, or a combination of those. Each scheme describes its mapping with these.
 *
 * @param name   how a 400 names the field, such as "the X-GitHub-Delivery header"
 * @param reader the value, or null when the delivery does not have it
 */
public record Field(String name, BiFunction<Delivery, JsonNode, String> reader) {

    public static Field header(final String header) {
        return new Field("the " + header + " header", (delivery, body) -> {
            final String value = delivery.header(header);
            return value == null || value.isBlank() ? null : value.trim();
        });
    }

    /** @param pointer a JSON pointer such as {@code /event/type} */
    public static Field body(final String pointer) {
        return new Field("the body's " + pointer, (delivery, body) -> JsonBody.text(body.at(pointer)));
    }

    public static Field constant(final String value) {
        return new Field("'" + value + "'", (delivery, body) -> value);
    }

    /** The lowercase hex SHA-256 of the raw body: identical bodies are one event. */
    public static Field bodyDigest() {
        return new Field("the body's SHA-256", (delivery, body) -> Encoding.HEX.encode(TokenVerifier.sha256(delivery.body())));
    }

    /** This field, or {@code other} when the delivery does not have this one. */
    public Field or(final Field other) {
        return new Field(name + " or " + other.name, (delivery, body) -> {
            final String value = read(delivery, body);
            return value != null ? value : other.read(delivery, body);
        });
    }

    /** This field followed by {@code "." + suffix} when the delivery has the suffix ({@code pull_request.opened}). */
    public Field dotted(final Field suffix) {
        return new Field(name, (delivery, body) -> {
            final String value = read(delivery, body);
            final String more = value == null ? null : suffix.read(delivery, body);
            return more == null ? value : value + "." + more;
        });
    }

    public String read(final Delivery delivery, final JsonNode body) {
        return reader.apply(delivery, body);
    }

    /** @throws ProblemException 400 naming the field when the delivery does not have it */
    public String required(final Delivery delivery, final JsonNode body) {
        final String value = read(delivery, body);
        if (value == null) {
            throw ProblemException.badRequest(capitalized() + " is missing (or not a string or number).");
        }
        return value;
    }

    /** The field as an event time, or the receive time when the delivery does not have it. */
    public Instant time(final Delivery delivery, final JsonNode body, final EventTime.Epoch epoch) {
        final String value = read(delivery, body);
        return value == null ? delivery.receivedAt() : EventTime.parse(value, epoch, capitalized());
    }

    private String capitalized() {
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }
}
