package dev.tally.processor;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Json;
import dev.tally.schemas.KeyCounts;

/**
 * Writes a {@link CountUpdate} or {@link KeyCounts} byte for byte as {@link Json#MAPPER} does, without
 * its per-call machinery: a counted event emits its key's counts, and the object mapper was a tenth
 * of the stream thread's time when it wrote them. Window bounds are formatted once per window, not
 * once per record: every key of a window shares them.
 */
final class CountUpdateJson {

    private static final JsonStringEncoder ENCODER = JsonStringEncoder.getInstance();
    /** Recently formatted instants, by a hash of their millis; entries are immutable, so racing threads only redo work. */
    private static final Formatted[] RECENT = new Formatted[64];

    private record Formatted(long millis, String text) {
    }

    private CountUpdateJson() {
    }

    static byte[] write(final CountUpdate update) throws JsonProcessingException {
        if (hasSurrogates(update.counter()) || hasSurrogates(update.key())) {
            // The mapper escapes an unpaired surrogate where String.getBytes writes '?': such keys (and emoji) take its path.
            return Json.MAPPER.writeValueAsBytes(update);
        }
        final StringBuilder json = new StringBuilder(128).append('{');
        string(json, "counter", update.counter());
        string(json, "key", update.key());
        string(json, "window", update.window());
        if (update.windowStart() != null) {
            json.append(",\"window_start\":\"").append(instant(update.windowStart())).append('"');
        }
        if (update.windowEnd() != null) {
            json.append(",\"window_end\":\"").append(instant(update.windowEnd())).append('"');
        }
        json.append(",\"count\":").append(update.count()).append('}');
        return json.deleteCharAt(1).toString().getBytes(StandardCharsets.UTF_8); // the first field's comma
    }

    static byte[] write(final KeyCounts counts) throws JsonProcessingException {
        if (hasSurrogates(counts.counter()) || hasSurrogates(counts.key())) {
            return Json.MAPPER.writeValueAsBytes(counts);
        }
        final StringBuilder json = new StringBuilder(96 + 96 * counts.windows().size()).append('{');
        string(json, "counter", counts.counter());
        string(json, "key", counts.key());
        json.append(",\"total\":").append(counts.total()).append(",\"windows\":[");
        for (int i = 0; i < counts.windows().size(); i++) {
            final KeyCounts.Window w = counts.windows().get(i);
            json.append(i == 0 ? "{\"window\":\"" : ",{\"window\":\"");
            ENCODER.quoteAsString(w.window(), json);
            json.append("\",\"start\":\"").append(instant(w.start())).append("\",\"end\":\"").append(instant(w.end()))
                    .append("\",\"count\":").append(w.count()).append('}');
        }
        json.append("]}");
        return json.deleteCharAt(1).toString().getBytes(StandardCharsets.UTF_8); // the first field's comma
    }

    /** {@code ,"name":"value"}, escaped as the mapper does; nothing for null (the mapper leaves absent fields out). */
    private static void string(final StringBuilder json, final String name, final String value) {
        if (value == null) {
            return;
        }
        json.append(",\"").append(name).append("\":\"");
        ENCODER.quoteAsString(value, json);
        json.append('"');
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

    /** ISO 8601 as {@code Instant.toString()}, which is what the mapper writes. */
    private static String instant(final Instant instant) {
        final long millis = instant.toEpochMilli();
        if (instant.getNano() % 1_000_000 != 0) {
            return instant.toString(); // finer than millis: not a window bound, never memoised
        }
        final int slot = (int) ((millis * 0x9E3779B97F4A7C15L) >>> 58);
        final Formatted recent = RECENT[slot];
        if (recent != null && recent.millis() == millis) {
            return recent.text();
        }
        final String text = instant.toString();
        RECENT[slot] = new Formatted(millis, text);
        return text;
    }
}
