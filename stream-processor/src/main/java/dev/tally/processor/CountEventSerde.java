package dev.tally.processor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import dev.tally.schemas.JsonSerde;

/**
 * The value format of the counters' repartition topics ({@code <app>-<counter>-by-key-repartition}):
 * a version byte {@code 1}, the delta as 8 bytes, the source's UTF-8 length as 4 bytes, the source
 * and the event id (UTF-8, to the end), all big-endian. Written and read once per event and counter,
 * so it skips JSON; records written as JSON by an older processor (they start with {@code '{'}) are
 * still read.
 */
final class CountEventSerde implements Serde<CountEvent> {

    private static final byte VERSION = 1;
    private static final JsonSerde<CountEvent> JSON = new JsonSerde<>(CountEvent.class);

    @Override
    public Serializer<CountEvent> serializer() {
        return (topic, event) -> event == null ? null : write(event);
    }

    @Override
    public Deserializer<CountEvent> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            if (bytes.length > 0 && bytes[0] == '{') {
                return JSON.deserializer().deserialize(topic, bytes);
            }
            return read(topic, bytes);
        };
    }

    static byte[] write(final CountEvent event) {
        final byte[] source = event.source().getBytes(StandardCharsets.UTF_8);
        final byte[] id = event.eventId().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + Long.BYTES + Integer.BYTES + source.length + id.length)
                .put(VERSION).putLong(event.delta()).putInt(source.length).put(source).put(id).array();
    }

    private static CountEvent read(final String topic, final byte[] bytes) {
        try {
            final ByteBuffer in = ByteBuffer.wrap(bytes);
            final byte version = in.get();
            if (version != VERSION) {
                throw new SerializationException("unknown CountEvent format " + version + " on topic " + topic);
            }
            final long delta = in.getLong();
            final int sourceLength = in.getInt();
            final String source = new String(bytes, in.position(), sourceLength, StandardCharsets.UTF_8);
            final int idStart = in.position() + sourceLength;
            return new CountEvent(source, new String(bytes, idStart, bytes.length - idStart, StandardCharsets.UTF_8), delta);
        } catch (RuntimeException e) {
            if (e instanceof SerializationException s) {
                throw s;
            }
            throw new SerializationException("not a valid CountEvent on topic " + topic, e);
        }
    }
}
