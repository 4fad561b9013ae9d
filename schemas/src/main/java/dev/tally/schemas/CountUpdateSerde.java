package dev.tally.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;

/**
 * The serde of {@link CountUpdate} on {@link Topics#COUNT_UPDATES} and {@link Topics#COUNT_FINAL}:
 * writes the same JSON as {@link JsonSerde} (same fields, order, escaping and instant format)
 * field by field with Jackson's generator instead of its object mapping, since the processor
 * writes two or three updates per event; reads with {@link JsonSerde}.
 */
public final class CountUpdateSerde implements Serde<CountUpdate> {

    private static final JsonSerde<CountUpdate> JSON = new JsonSerde<>(CountUpdate.class);

    @Override
    public Serializer<CountUpdate> serializer() {
        return (topic, update) -> update == null ? null : write(update);
    }

    @Override
    public Deserializer<CountUpdate> deserializer() {
        return JSON.deserializer();
    }

    /** The update as JSON, byte for byte what {@link Json#MAPPER} writes for it. */
    public static byte[] write(final CountUpdate update) {
        final ByteArrayBuilder out = new ByteArrayBuilder(160);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("counter", update.counter());
            g.writeStringField("key", update.key());
            g.writeStringField("window", update.window());
            if (update.windowStart() != null) {
                g.writeStringField("window_start", update.windowStart().toString());
            }
            if (update.windowEnd() != null) {
                g.writeStringField("window_end", update.windowEnd().toString());
            }
            g.writeNumberField("count", update.count());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a count update", e); // in memory: never happens
        }
        return out.toByteArray();
    }
}
