package dev.tally.processor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The value format of the counting stages' repartition topics, big-endian:
 * <ul>
 *   <li>an event: the byte {@code 1}, the upstream partition (4 bytes), the source and the event id
 *       (each a 2-byte length and UTF-8), the number of counters (1 byte), and per counter its name
 *       (2-byte length, UTF-8) and delta (8 bytes);</li>
 *   <li>a progress mark: the byte {@code 2} and the upstream partition (4 bytes).</li>
 * </ul>
 * Written and read once per event and stage, so it skips JSON.
 */
final class CountEventSerde implements Serde<CountEvent> {

    private static final byte EVENT = 1;
    private static final byte PROGRESS = 2;

    @Override
    public Serializer<CountEvent> serializer() {
        return (topic, event) -> event == null ? null : write(event);
    }

    @Override
    public Deserializer<CountEvent> deserializer() {
        return (topic, bytes) -> bytes == null ? null : read(topic, bytes);
    }

    static byte[] write(final CountEvent event) {
        if (event.isProgress()) {
            return ByteBuffer.allocate(1 + Integer.BYTES).put(PROGRESS).putInt(event.upstream()).array();
        }
        final byte[] source = event.source().getBytes(StandardCharsets.UTF_8);
        final byte[] id = event.eventId().getBytes(StandardCharsets.UTF_8);
        final List<byte[]> names = new ArrayList<>(event.counts().size());
        int size = 1 + Integer.BYTES + 2 + source.length + 2 + id.length + 1;
        for (CountEvent.Counted c : event.counts()) {
            final byte[] name = c.counter().getBytes(StandardCharsets.UTF_8);
            names.add(name);
            size += 2 + name.length + Long.BYTES;
        }
        final ByteBuffer out = ByteBuffer.allocate(size).put(EVENT).putInt(event.upstream());
        text(out, source);
        text(out, id);
        out.put((byte) event.counts().size());
        for (int i = 0; i < names.size(); i++) {
            text(out, names.get(i));
            out.putLong(event.counts().get(i).delta());
        }
        return out.array();
    }

    private static void text(final ByteBuffer out, final byte[] utf8) {
        if (utf8.length > 0xFFFF) {
            throw new SerializationException("a source, event id or counter name of " + utf8.length + " bytes is longer than 65535");
        }
        out.putShort((short) utf8.length).put(utf8);
    }

    private static CountEvent read(final String topic, final byte[] bytes) {
        try {
            final ByteBuffer in = ByteBuffer.wrap(bytes);
            final byte format = in.get();
            final int upstream = in.getInt();
            if (format == PROGRESS) {
                return CountEvent.progress(upstream);
            }
            if (format != EVENT) {
                throw new SerializationException("unknown CountEvent format " + format + " on topic " + topic);
            }
            final String source = text(in);
            final String id = text(in);
            final int n = Byte.toUnsignedInt(in.get());
            final List<CountEvent.Counted> counts = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                counts.add(new CountEvent.Counted(text(in), in.getLong()));
            }
            return new CountEvent(source, id, upstream, counts);
        } catch (RuntimeException e) {
            if (e instanceof SerializationException s) {
                throw s;
            }
            throw new SerializationException("not a valid CountEvent on topic " + topic, e);
        }
    }

    private static String text(final ByteBuffer in) {
        final int length = Short.toUnsignedInt(in.getShort());
        final String text = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return text;
    }
}
