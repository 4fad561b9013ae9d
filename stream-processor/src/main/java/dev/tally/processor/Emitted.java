package dev.tally.processor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.TopicNameExtractor;

import com.fasterxml.jackson.core.JsonProcessingException;

import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Json;
import dev.tally.schemas.KeyCounts;

/**
 * A record a {@link CountingProcessor} emits: the topic it goes to, its key there, and its value.
 * One sink writes finals, late events and alerts, each to its own topic; a key's {@link KeyCounts}
 * (a list: one per counter of the stage) go to {@code counts.updates} through the coalescing table,
 * as one {@link #bundle} per group key. All plain JSON, each the topic's own schema (counts by
 * {@link CountUpdateJson}, the same bytes as the object mapper).
 */
public record Emitted(String topic, String key, Object value) {

    /** Routes each record to {@link #topic()}. */
    static final TopicNameExtractor<String, Emitted> TOPIC = (key, emitted, context) -> emitted.topic();

    /** Writes {@link #value()} as JSON; never read back. */
    static final Serde<Emitted> SERDE = Serdes.serdeFrom((topic, emitted) -> json(emitted.value()), (topic, bytes) -> {
        throw new UnsupportedOperationException("emitted records are only written");
    });

    /** Whether this is a key's latest counts, for {@code counts.updates}. */
    boolean isUpdate() {
        return value instanceof List<?>;
    }

    /** A key's {@link KeyCounts}, one per counter, as one value: per record its topic key and JSON, each length-prefixed. */
    @SuppressWarnings("unchecked")
    byte[] bundle() {
        final List<KeyCounts> counts = (List<KeyCounts>) value;
        final List<byte[]> parts = new ArrayList<>(2 * counts.size());
        int size = 0;
        for (KeyCounts c : counts) {
            final byte[] key = c.topicKey().getBytes(StandardCharsets.UTF_8);
            final byte[] json = json(c);
            parts.add(key);
            parts.add(json);
            size += 2 * Integer.BYTES + key.length + json.length;
        }
        final ByteBuffer out = ByteBuffer.allocate(size);
        parts.forEach(part -> out.putInt(part.length).put(part));
        return out.array();
    }

    /** The records of a {@link #bundle}: topic key and JSON value. */
    static List<KeyValue<String, byte[]>> unbundle(final byte[] bundle) {
        final List<KeyValue<String, byte[]>> records = new ArrayList<>(1);
        final ByteBuffer in = ByteBuffer.wrap(bundle);
        while (in.hasRemaining()) {
            final byte[] key = new byte[in.getInt()];
            in.get(key);
            final byte[] json = new byte[in.getInt()];
            in.get(json);
            records.add(KeyValue.pair(new String(key, StandardCharsets.UTF_8), json));
        }
        return records;
    }

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
