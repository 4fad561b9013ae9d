package dev.tally.processor;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.TopicNameExtractor;

import com.fasterxml.jackson.core.JsonProcessingException;

import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Json;

/**
 * A record a {@link CounterProcessor} emits, with the topic it goes to: one sink writes updates,
 * finals, late events and alerts, each to its own topic, as plain JSON (updates and finals by
 * {@link CountUpdateJson}, the same bytes).
 */
public record Emitted(String topic, Object value) {

    /** Routes each record to {@link #topic()}. */
    static final TopicNameExtractor<String, Emitted> TOPIC = (key, emitted, context) -> emitted.topic();

    /** Writes {@link #value()} as JSON (the topic's own schema); never read back. */
    static final Serde<Emitted> SERDE = Serdes.serdeFrom((topic, emitted) -> {
        try {
            if (emitted.value() instanceof CountUpdate update) {
                return CountUpdateJson.write(update);
            }
            return Json.MAPPER.writeValueAsBytes(emitted.value());
        } catch (JsonProcessingException e) {
            throw new SerializationException("cannot write " + emitted.value().getClass().getSimpleName(), e);
        }
    }, (topic, bytes) -> {
        throw new UnsupportedOperationException("emitted records are only written");
    });
}
