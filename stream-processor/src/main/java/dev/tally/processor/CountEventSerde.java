package dev.tally.processor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import dev.tally.schemas.JsonSerde;

/**
 * The value format of the counters' repartition topics ({@code <app>-<counter>-by-key-repartition}),
 * big-endian:
 * <ul>
 *   <li>an event: the byte {@code 2}, the upstream partition as 4 bytes, the delta as 8 bytes, the
 *       source's UTF-8 length as 4 bytes, the source and the event id (UTF-8, to the end);</li>
 *   <li>a progress mark: the byte {@code 3} and the upstream partition as 4 bytes.</li>
 * </ul>
 * Written and read once per event and counter, so it skips JSON. What older processors wrote is still
 * read, with an unknown upstream partition: format {@code 1} (an event without the upstream partition)
 * and JSON (starts with {@code '{'}).
 */
final class CountEventSerde implements Serde<CountEvent> {

    private static final byte EVENT_V1 = 1;
    private static final byte EVENT = 2;
    private static final byte PROGRESS = 3;
    private static final JsonSerde<JsonCountEvent> JSON = new JsonSerde<>(JsonCountEvent.class);

    /** The JSON an older processor wrote. */
    private record JsonCountEvent(String source, String eventId, long delta) {
    }

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
                final JsonCountEvent json = JSON.deserializer().deserialize(topic, bytes);
                return new CountEvent(json.source(), json.eventId(), json.delta());
            }
            return read(topic, bytes);
        };
    }

    static byte[] write(final CountEvent event) {
        if (event.isProgress()) {
            return ByteBuffer.allocate(1 + Integer.BYTES).put(PROGRESS).putInt(event.upstream()).array();
        }
        final byte[] source = event.source().getBytes(StandardCharsets.UTF_8);
        final byte[] id = event.eventId().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + Integer.BYTES + Long.BYTES + Integer.BYTES + source.length + id.length)
                .put(EVENT).putInt(event.upstream()).putLong(event.delta()).putInt(source.length).put(source).put(id).array();
    }

    private static CountEvent read(final String topic, final byte[] bytes) {
        try {
            final ByteBuffer in = ByteBuffer.wrap(bytes);
            final byte format = in.get();
            return switch (format) {
                case PROGRESS -> CountEvent.progress(in.getInt());
                case EVENT -> event(bytes, in, in.getInt());
                case EVENT_V1 -> event(bytes, in, CountEvent.UNKNOWN_UPSTREAM);
                default -> throw new SerializationException("unknown CountEvent format " + format + " on topic " + topic);
            };
        } catch (RuntimeException e) {
            if (e instanceof SerializationException s) {
                throw s;
            }
            throw new SerializationException("not a valid CountEvent on topic " + topic, e);
        }
    }

    private static CountEvent event(final byte[] bytes, final ByteBuffer in, final int upstream) {
        final long delta = in.getLong();
        final int sourceLength = in.getInt();
        final String source = new String(bytes, in.position(), sourceLength, StandardCharsets.UTF_8);
        final int idStart = in.position() + sourceLength;
        return new CountEvent(source, new String(bytes, idStart, bytes.length - idStart, StandardCharsets.UTF_8), delta, upstream);
    }
}
