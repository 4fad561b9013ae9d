package dev.tally.processor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One key's counts in one {@link CountingStage}, stored as one row: per counter its all-time total
 * and, per window size, its recent windows (start, count, and the highest count reached, for
 * thresholds). A counted event changes one row, so the stage writes at most one changelog record
 * per touched key per commit, whatever the number of window sizes and counters.
 *
 * <p>A row holds every open window of the key and, once closed, a window stays in it until the row
 * has more than {@link #KEEP_CLOSED} closed windows of that size; the oldest then move to the
 * counter's history store ({@link StoreNames#history}) the next time the row is written.
 *
 * <p>Binary, big-endian: the byte {@code 1}; the number of counters (2 bytes); per counter its name
 * (2-byte length, UTF-8), total (8 bytes), the number of sizes (1 byte), and per size its length in
 * ms (8 bytes), the number of windows (4 bytes) and per window start, count and peak (8 bytes each).
 */
final class KeyRow {

    /**
     * Closed windows a row keeps per size before the oldest move to the history store (half of them at
     * a time). Few: every row is read and written whole for each event of its key, while a move costs one
     * history store put per window, whose changelog gets the puts of a commit in one record.
     */
    static final int KEEP_CLOSED = 4;

    static final Serde<KeyRow> SERDE = Serdes.serdeFrom((topic, row) -> row == null ? null : row.write(),
            (topic, bytes) -> bytes == null ? null : read(bytes));

    private static final byte FORMAT = 1;

    /** One counter's part of the row. */
    static final class Section {
        final String counter;
        long total;
        final List<Windows> sizes = new ArrayList<>(3);

        Section(final String counter) {
            this.counter = counter;
        }

        /** The windows of {@code sizeMillis}, created empty when missing. */
        Windows windows(final long sizeMillis) {
            final Windows found = find(sizeMillis);
            if (found != null) {
                return found;
            }
            final Windows created = new Windows(sizeMillis);
            sizes.add(created);
            return created;
        }

        /** The windows of {@code sizeMillis}, or null. */
        Windows find(final long sizeMillis) {
            for (Windows w : sizes) {
                if (w.size == sizeMillis) {
                    return w;
                }
            }
            return null;
        }
    }

    /** The windows of one size, ordered by start. */
    static final class Windows {
        final long size;
        int n;
        long[] starts = new long[2];
        long[] counts = new long[2];
        long[] peaks = new long[2];

        Windows(final long size) {
            this.size = size;
        }

        /** The index of the window starting at {@code start}, or {@code -(insertion point) - 1}. */
        int find(final long start) {
            return Arrays.binarySearch(starts, 0, n, start);
        }

        /** Inserts an empty window at {@code -(found) - 1}; returns its index. */
        int insert(final int found, final long start) {
            final int at = -found - 1;
            if (n == starts.length) {
                starts = Arrays.copyOf(starts, n * 2);
                counts = Arrays.copyOf(counts, n * 2);
                peaks = Arrays.copyOf(peaks, n * 2);
            }
            System.arraycopy(starts, at, starts, at + 1, n - at);
            System.arraycopy(counts, at, counts, at + 1, n - at);
            System.arraycopy(peaks, at, peaks, at + 1, n - at);
            starts[at] = start;
            counts[at] = 0;
            peaks[at] = 0;
            n++;
            return at;
        }

        /** Drops the first {@code k} windows. */
        void dropFirst(final int k) {
            System.arraycopy(starts, k, starts, 0, n - k);
            System.arraycopy(counts, k, counts, 0, n - k);
            System.arraycopy(peaks, k, peaks, 0, n - k);
            n -= k;
        }
    }

    final List<Section> sections = new ArrayList<>(1);

    /** The section of {@code counter}, created empty when missing. */
    Section section(final String counter) {
        final Section found = find(counter);
        if (found != null) {
            return found;
        }
        final Section created = new Section(counter);
        sections.add(created);
        return created;
    }

    /** The section of {@code counter}, or null when the key was never counted by it. */
    Section find(final String counter) {
        for (Section s : sections) {
            if (s.counter.equals(counter)) {
                return s;
            }
        }
        return null;
    }

    byte[] write() {
        final List<byte[]> names = new ArrayList<>(sections.size());
        int size = 1 + 2;
        for (Section s : sections) {
            final byte[] name = s.counter.getBytes(StandardCharsets.UTF_8);
            names.add(name);
            size += 2 + name.length + Long.BYTES + 1;
            for (Windows w : s.sizes) {
                size += Long.BYTES + Integer.BYTES + w.n * 3 * Long.BYTES;
            }
        }
        final ByteBuffer out = ByteBuffer.allocate(size).put(FORMAT).putShort((short) sections.size());
        for (int i = 0; i < sections.size(); i++) {
            final Section s = sections.get(i);
            out.putShort((short) names.get(i).length).put(names.get(i)).putLong(s.total).put((byte) s.sizes.size());
            for (Windows w : s.sizes) {
                out.putLong(w.size).putInt(w.n);
                for (int k = 0; k < w.n; k++) {
                    out.putLong(w.starts[k]).putLong(w.counts[k]).putLong(w.peaks[k]);
                }
            }
        }
        return out.array();
    }

    static KeyRow read(final byte[] bytes) {
        try {
            final ByteBuffer in = ByteBuffer.wrap(bytes);
            if (in.get() != FORMAT) {
                throw new SerializationException("unknown row format " + bytes[0]);
            }
            final KeyRow row = new KeyRow();
            final int sections = Short.toUnsignedInt(in.getShort());
            for (int i = 0; i < sections; i++) {
                final int length = Short.toUnsignedInt(in.getShort());
                final Section s = new Section(new String(bytes, in.position(), length, StandardCharsets.UTF_8));
                in.position(in.position() + length);
                s.total = in.getLong();
                final int sizes = Byte.toUnsignedInt(in.get());
                for (int j = 0; j < sizes; j++) {
                    final Windows w = new Windows(in.getLong());
                    w.n = in.getInt();
                    w.starts = new long[Math.max(2, w.n)];
                    w.counts = new long[w.starts.length];
                    w.peaks = new long[w.starts.length];
                    for (int k = 0; k < w.n; k++) {
                        w.starts[k] = in.getLong();
                        w.counts[k] = in.getLong();
                        w.peaks[k] = in.getLong();
                    }
                    s.sizes.add(w);
                }
                row.sections.add(s);
            }
            return row;
        } catch (RuntimeException e) {
            if (e instanceof SerializationException s) {
                throw s;
            }
            throw new SerializationException("not a valid counts row", e);
        }
    }
}
