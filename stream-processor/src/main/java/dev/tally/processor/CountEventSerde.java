package dev.tally.processor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The value format of the counting stages' repartition topics ({@link CountBatch}), big-endian: the
 * byte {@code 3}, the number of entries (4 bytes), and per entry its timestamp (8 bytes), its key
 * (4-byte length, UTF-8) and then
 * <ul>
 *   <li>for an event: the byte {@code 1}, the upstream partition (4 bytes), the source and the event id
 *       (each a 4-byte length and UTF-8), the number of counters (1 byte), and per counter its name
 *       (4-byte length, UTF-8) and delta (8 bytes);</li>
 *   <li>for a progress mark: the byte {@code 2} and the upstream partition (4 bytes).</li>
 * </ul>
 * Written and read once per event and stage, so it skips JSON.
 */
final class CountEventSerde implements Serde<CountBatch> {

    private static final byte EVENT = 1;
    private static final byte PROGRESS = 2;
    private static final byte BATCH = 3;
    /** The format byte and the number of entries. */
    static final int HEADER = 1 + Integer.BYTES;

    @Override
    public Serializer<CountBatch> serializer() {
        return (topic, batch) -> batch == null ? null : write(batch);
    }

    @Override
    public Deserializer<CountBatch> deserializer() {
        return (topic, bytes) -> bytes == null ? null : read(topic, bytes);
    }

    /** How many bytes {@code entry} takes in a batch. */
    static int size(final CountBatch.Entry entry) {
        final CountEvent event = entry.event();
        int size = Long.BYTES + text(entry.key()) + 1 + Integer.BYTES;
        if (event.isProgress()) {
            return size;
        }
        size += text(event.source()) + text(event.eventId()) + 1;
        for (CountEvent.Counted c : event.counts()) {
            size += text(c.counter()) + Long.BYTES;
        }
        return size;
    }

    private static int text(final String text) {
        // The exact UTF-8 length would cost a pass over the text; a char is at most 3 bytes of UTF-8.
        return Integer.BYTES + (isAscii(text) ? text.length() : 3 * text.length());
    }

    private static boolean isAscii(final String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    static byte[] write(final CountBatch batch) {
        int size = HEADER;
        for (CountBatch.Entry entry : batch.entries()) {
            size += size(entry);
        }
        final ByteBuffer out = ByteBuffer.allocate(size).put(BATCH).putInt(batch.entries().size());
        for (CountBatch.Entry entry : batch.entries()) {
            out.putLong(entry.timestamp());
            text(out, entry.key());
            final CountEvent event = entry.event();
            if (event.isProgress()) {
                out.put(PROGRESS).putInt(event.upstream());
                continue;
            }
            out.put(EVENT).putInt(event.upstream());
            text(out, event.source());
            text(out, event.eventId());
            if (event.counts().size() > 0xFF) {
                throw new SerializationException("an event counted by " + event.counts().size() + " counters of one stage, at most 255");
            }
            out.put((byte) event.counts().size());
            for (CountEvent.Counted c : event.counts()) {
                text(out, c.counter());
                out.putLong(c.delta());
            }
        }
        return out.position() == out.capacity() ? out.array() : Arrays.copyOf(out.array(), out.position());
    }

    private static void text(final ByteBuffer out, final String text) {
        final byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        out.putInt(utf8.length).put(utf8);
    }

    private static CountBatch read(final String topic, final byte[] bytes) {
        try {
            final ByteBuffer in = ByteBuffer.wrap(bytes);
            final byte format = in.get();
            if (format != BATCH) {
                throw new SerializationException("unknown CountBatch format " + format + " on topic " + topic);
            }
            final int n = in.getInt();
            if (n <= 0 || n > in.remaining()) {
                throw new SerializationException("a CountBatch of " + n + " entries in " + bytes.length + " bytes on topic " + topic);
            }
            final List<CountBatch.Entry> entries = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                final long timestamp = in.getLong();
                final String key = text(in);
                entries.add(new CountBatch.Entry(key, timestamp, event(topic, in)));
            }
            if (in.hasRemaining()) {
                throw new SerializationException(in.remaining() + " bytes after the last entry of a CountBatch on topic " + topic);
            }
            return new CountBatch(entries);
        } catch (RuntimeException e) {
            if (e instanceof SerializationException s) {
                throw s;
            }
            throw new SerializationException("not a valid CountBatch on topic " + topic, e);
        }
    }

    private static CountEvent event(final String topic, final ByteBuffer in) {
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
    }

    private static String text(final ByteBuffer in) {
        final int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new SerializationException("a text of " + length + " bytes with " + in.remaining() + " left");
        }
        final String text = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return text;
    }
}
