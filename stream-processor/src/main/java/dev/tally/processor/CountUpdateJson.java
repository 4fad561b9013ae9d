package dev.tally.processor;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Json;
import dev.tally.schemas.KeyCounts;

/**
 * Writes a {@link CountUpdate} or {@link KeyCounts} byte for byte as {@link Json#MAPPER} does, without
 * its per-call machinery: a counted event emits its key's counts, and the object mapper was a tenth
 * of the stream thread's time when it wrote them. The JSON goes straight into a byte buffer of the
 * thread's, copied out once (a string builder, its string and that string's bytes were a tenth of the
 * processor's allocations, async-profiler {@code event=alloc}); window bounds are formatted once per
 * window, not once per record: every key of a window shares them.
 */
final class CountUpdateJson {

    private static final JsonStringEncoder ENCODER = JsonStringEncoder.getInstance();
    /** Recently formatted instants, by a hash of their millis; entries are immutable, so racing threads only redo work. */
    private static final Formatted[] RECENT = new Formatted[1024];
    private static final ThreadLocal<Out> OUT = ThreadLocal.withInitial(Out::new);

    private record Formatted(long millis, byte[] text) {
    }

    private CountUpdateJson() {
    }

    static byte[] write(final CountUpdate update) throws JsonProcessingException {
        if (hasSurrogates(update.counter()) || hasSurrogates(update.key())) {
            // The mapper escapes an unpaired surrogate where String.getBytes writes '?': such keys (and emoji) take its path.
            return Json.MAPPER.writeValueAsBytes(update);
        }
        final Out json = OUT.get().reset();
        json.ascii("{");
        string(json, "counter", update.counter());
        string(json, "key", update.key());
        string(json, "window", update.window());
        if (update.windowStart() != null) {
            json.ascii(",\"window_start\":\"").bytes(instant(update.windowStart())).ascii("\"");
        }
        if (update.windowEnd() != null) {
            json.ascii(",\"window_end\":\"").bytes(instant(update.windowEnd())).ascii("\"");
        }
        json.ascii(",\"count\":").number(update.count()).ascii("}");
        return json.done();
    }

    static byte[] write(final KeyCounts counts) throws JsonProcessingException {
        if (hasSurrogates(counts.counter()) || hasSurrogates(counts.key())) {
            return Json.MAPPER.writeValueAsBytes(counts);
        }
        final Out json = OUT.get().reset();
        json.ascii("{");
        string(json, "counter", counts.counter());
        string(json, "key", counts.key());
        json.ascii(",\"total\":").number(counts.total()).ascii(",\"windows\":[");
        for (int i = 0; i < counts.windows().size(); i++) {
            final KeyCounts.Window w = counts.windows().get(i);
            json.ascii(i == 0 ? "{\"window\":\"" : ",{\"window\":\"").quoted(w.window())
                    .ascii("\",\"start\":\"").bytes(instant(w.start())).ascii("\",\"end\":\"").bytes(instant(w.end()))
                    .ascii("\",\"count\":").number(w.count()).ascii("}");
        }
        json.ascii("]}");
        return json.done();
    }

    /** {@code ,"name":"value"} (without the comma as the first field), escaped as the mapper does; nothing for null (the mapper leaves absent fields out). */
    private static void string(final Out json, final String name, final String value) {
        if (value == null) {
            return;
        }
        json.ascii(json.length() == 1 ? "\"" : ",\"").ascii(name).ascii("\":\"").quoted(value).ascii("\"");
    }

    private static boolean hasSurrogates(final String value) {
        if (value != null) {
            for (int i = 0; i < value.length(); i++) {
                if (Character.isSurrogate(value.charAt(i))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** ISO 8601 as {@code Instant.toString()}, which is what the mapper writes, in ASCII. */
    private static byte[] instant(final Instant instant) {
        final long millis = instant.toEpochMilli();
        if (instant.getNano() % 1_000_000 != 0) {
            return instant.toString().getBytes(StandardCharsets.US_ASCII); // finer than millis: not a window bound, never memoised
        }
        final int slot = (int) ((millis * 0x9E3779B97F4A7C15L) >>> 54);
        final Formatted recent = RECENT[slot];
        if (recent != null && recent.millis() == millis) {
            return recent.text();
        }
        final byte[] text = instant.toString().getBytes(StandardCharsets.US_ASCII);
        RECENT[slot] = new Formatted(millis, text);
        return text;
    }

    /** A thread's growing byte buffer for one record's JSON at a time. */
    private static final class Out {
        private byte[] buf = new byte[512];
        private int n;

        Out reset() {
            n = 0;
            return this;
        }

        int length() {
            return n;
        }

        /** Appends text known to be ASCII and to need no escaping (the literals here). */
        Out ascii(final String text) {
            room(text.length());
            for (int i = 0; i < text.length(); i++) {
                buf[n++] = (byte) text.charAt(i);
            }
            return this;
        }

        Out bytes(final byte[] bytes) {
            room(bytes.length);
            System.arraycopy(bytes, 0, buf, n, bytes.length);
            n += bytes.length;
            return this;
        }

        /** Appends a string's content escaped as the mapper does: printable ASCII as it is, anything else through its encoder. */
        Out quoted(final String value) {
            for (int i = 0; i < value.length(); i++) {
                final char c = value.charAt(i);
                if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                    return bytes(ENCODER.quoteAsUTF8(value));
                }
            }
            return ascii(value);
        }

        Out number(final long value) {
            if (value == Long.MIN_VALUE) {
                return ascii(Long.toString(value));
            }
            room(20);
            long v = value;
            if (v < 0) {
                buf[n++] = '-';
                v = -v;
            }
            final int start = n;
            do {
                buf[n++] = (byte) ('0' + v % 10);
                v /= 10;
            } while (v != 0);
            for (int i = start, j = n - 1; i < j; i++, j--) {
                final byte t = buf[i];
                buf[i] = buf[j];
                buf[j] = t;
            }
            return this;
        }

        byte[] done() {
            return Arrays.copyOf(buf, n);
        }

        private void room(final int more) {
            if (n + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
            }
        }
    }
}
