package dev.tally.schemas;

import java.io.IOException;

import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A Kafka serde for a JSON record type, using {@link Json#MAPPER}. */
public final class JsonSerde<T> implements Serde<T> {

    private final Class<T> type;
    // Bound once: MAPPER.writeValueAsBytes and readValue find the type's (de)serializer on every call.
    private final ObjectWriter writer;
    private final ObjectReader reader;

    public JsonSerde(final Class<T> type) {
        this.type = type;
        this.writer = Json.MAPPER.writerFor(type);
        this.reader = Json.MAPPER.readerFor(type);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                return writer.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new SerializationException("cannot write " + type.getSimpleName() + " for topic " + topic, e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return reader.readValue(bytes);
            } catch (IOException e) {
                throw new SerializationException("not a valid " + type.getSimpleName() + " on topic " + topic
                        + ": " + e.getMessage().lines().findFirst().orElse(""), e);
            }
        };
    }
}
