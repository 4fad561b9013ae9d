package dev.tally.gateway;

import java.time.Instant;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tally.schemas.ProblemException;

/**
 * Where one envelope field is read from in a verified delivery: a header, a JSON pointer into the
 * body, or a combination of those. Each scheme describes its mapping with these. The same
 * definition writes the field into a delivery being composed ({@code tally send}), so what is
 * sent is read back as the same value.
 *
 * @param name   how a 400 names the field, such as "the X-GitHub-Delivery header"
 * @param reader the value, or null when the delivery does not have it
 * @param writer puts a value where {@code reader} finds it; does nothing for derived fields
 */
public record Field(String name, BiFunction<Delivery, JsonNode, String> reader, BiConsumer<Draft, String> writer) {

    /** A delivery being composed: headers by name, and the JSON object body. */
    public record Draft(Map<String, String> headers, ObjectNode body) {
    }

    /** A field that is only read (derived from other parts of the delivery). */
    public Field(final String name, final BiFunction<Delivery, JsonNode, String> reader) {
        this(name, reader, (draft, value) -> { });
    }

    public static Field header(final String header) {
        return new Field("the " + header + " header", (delivery, body) -> {
            final String value = delivery.header(header);
            return value == null || value.isBlank() ? null : value.trim();
        }, (draft, value) -> draft.headers().put(header, value));
    }

    /** @param pointer a JSON pointer such as {@code /event/type} */
    public static Field body(final String pointer) {
        return new Field("the body's " + pointer, (delivery, body) -> JsonBody.text(body.at(pointer)),
                (draft, value) -> put(draft.body(), pointer, value));
    }

    public static Field constant(final String value) {
        return new Field("'" + value + "'", (delivery, body) -> value);
    }

    /** The lowercase hex SHA-256 of the raw body: identical bodies are one event. */
    public static Field bodyDigest() {
        return new Field("the body's SHA-256", (delivery, body) -> Encoding.HEX.encode(TokenVerifier.sha256(delivery.body())));
    }

    /** This field, or {@code other} when the delivery does not have this one. Written to this one. */
    public Field or(final Field other) {
        return new Field(name + " or " + other.name, (delivery, body) -> {
            final String value = read(delivery, body);
            return value != null ? value : other.read(delivery, body);
        }, writer);
    }

    /**
     * This field followed by {@code "." + suffix} when the delivery has the suffix ({@code pull_request.opened}).
     * Written split at the first dot: {@code pull_request} here, {@code opened} in the suffix.
     */
    public Field dotted(final Field suffix) {
        return new Field(name, (delivery, body) -> {
            final String value = read(delivery, body);
            final String more = value == null ? null : suffix.read(delivery, body);
            return more == null ? value : value + "." + more;
        }, (draft, value) -> {
            final int dot = value.indexOf('.');
            write(draft, dot < 0 ? value : value.substring(0, dot));
            if (dot >= 0) {
                suffix.write(draft, value.substring(dot + 1));
            }
        });
    }

    public void write(final Draft draft, final String value) {
        writer.accept(draft, value);
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

    /** Sets the text at a JSON pointer of plain object names, creating the objects on the way. */
    private static void put(final ObjectNode root, final String pointer, final String value) {
        final String[] names = pointer.substring(1).split("/");
        ObjectNode node = root;
        for (int i = 0; i < names.length - 1; i++) {
            node = node.get(unescaped(names[i])) instanceof ObjectNode child ? child : node.putObject(unescaped(names[i]));
        }
        node.put(unescaped(names[names.length - 1]), value);
    }

    private static String unescaped(final String token) {
        return token.replace("~1", "/").replace("~0", "~");
    }

    private String capitalized() {
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }
}
