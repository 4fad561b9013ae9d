package dev.tally.processor;


import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.TopicNameExtractor;

import com.fasterxml.jackson.core.JsonProcessingException;

import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Json;
import dev.tally.schemas.KeyCounts;

/**
 * A record a {@link CountingProcessor} emits: the topic it goes to, its key there, and its value.
 * One sink writes updates, finals, late events and alerts, each to its own topic. All plain JSON, each
 * the topic's own schema (counts by {@link CountUpdateJson}, the same bytes as the object mapper).
 */
public record Emitted(String topic, String key, Object value) {

    /** Routes each record to {@link #topic()}. */
    static final TopicNameExtractor<String, Emitted> TOPIC = (key, emitted, context) -> emitted.topic();

    /** Writes {@link #value()} as JSON; never read back. */
    static final Serde<Emitted> SERDE = Serdes.serdeFrom((topic, emitted) -> json(emitted.value()), (topic, bytes) -> {
        throw new UnsupportedOperationException("emitted records are only written");
    });

    static byte[] json(final Object value) {
        try {
            if (value instanceof CountUpdate update) {
                return CountUpdateJson.write(update);
            }
            if (value instanceof KeyCounts counts) {
                return CountUpdateJson.write(counts);
            }
            return Json.MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new SerializationException("cannot write " + value.getClass().getSimpleName(), e);
        }
    }
}
