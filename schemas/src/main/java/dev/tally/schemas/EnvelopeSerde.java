package dev.tally.schemas;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The serde of {@link Envelope} on {@link Topics#RAW} and {@link Topics#ORDERED}: writes with
 * {@link JsonSerde}; reads the common shape — every field a JSON string (the payload an object),
 * each once, instants as {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z} — with Jackson's streaming parser,
 * and anything else through {@link JsonSerde}, so what is accepted, what it becomes and every
 * error are the same as {@link JsonSerde}'s. It runs once per event at the processor's source,
 * where object mapping and Jackson's {@code InstantDeserializer} were a tenth of the stream thread.
 */
public final class EnvelopeSerde implements Serde<Envelope> {

    private static final JsonSerde<Envelope> JSON = new JsonSerde<>(Envelope.class);
    private static final Deserializer<Envelope> JSON_READER = JSON.deserializer();

    @Override
    public Serializer<Envelope> serializer() {
        return JSON.serializer();
    }

    @Override
    public Deserializer<Envelope> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            final Envelope fast = readCommonShape(bytes);
            return fast != null ? fast : JSON_READER.deserialize(topic, bytes);
        };
    }

    /** The envelope, or null when {@code json} is not of the common shape (or not valid). */
    static Envelope readCommonShape(final byte[] json) {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String source = null;
            String eventId = null;
            String eventType = null;
            Instant eventTime = null;
            Instant receivedAt = null;
            String entityId = null;
            JsonNode payload = null;
            String schemaVersion = null;
            int seen = 0;
            JsonToken token;
            while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
                final String field = p.currentName();
                final JsonToken value = p.nextToken();
                final int bit = switch (field) {
                    case "source" -> 1;
                    case "event_id" -> 2;
                    case "event_type" -> 4;
                    case "event_time" -> 8;
                    case "received_at" -> 16;
                    case "entity_id" -> 32;
                    case "payload" -> 64;
                    case "schema_version" -> 128;
                    default -> 0;
                };
                if (bit == 0 || (seen & bit) != 0) {
                    return null; // unknown or repeated field: JsonSerde decides
                }
                seen |= bit;
                if (bit == 64) {
                    if (value != JsonToken.START_OBJECT) {
                        return null;
                    }
                    payload = Json.MAPPER.readTree(p);
                    continue;
                }
                if (value != JsonToken.VALUE_STRING) {
                    return null;
                }
                final String text = p.getText();
                switch (bit) {
                    case 1 -> source = text;
                    case 2 -> eventId = text;
                    case 4 -> eventType = text;
                    case 8 -> eventTime = instant(text);
                    case 16 -> receivedAt = instant(text);
                    case 32 -> entityId = text;
                    default -> schemaVersion = text;
                }
            }
            if (token != JsonToken.END_OBJECT || source == null || eventId == null || eventType == null
                    || eventTime == null || receivedAt == null) {
                return null;
            }
            return new Envelope(source, eventId, eventType, eventTime, receivedAt, entityId, payload, schemaVersion);
        } catch (IOException | RuntimeException e) {
            return null; // JsonSerde reads it again and reports the error in its words
        }
    }

    /**
     * {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z} (1 to 9 fraction digits) as the instant it names, or null
     * for any other spelling.
     */
    static Instant instant(final String s) {
        final int n = s.length();
        if (n < 20 || n == 21 || n > 30 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z' || (n > 20 && s.charAt(19) != '.')) {
            return null;
        }
        final int year = digits(s, 0, 4);
        final int month = digits(s, 5, 7);
        final int day = digits(s, 8, 10);
        final int hour = digits(s, 11, 13);
        final int minute = digits(s, 14, 16);
        final int second = digits(s, 17, 19);
        final int fraction = n > 20 ? digits(s, 20, n - 1) : 0;
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || fraction < 0) {
            return null;
        }
        final LocalDate date = LocalDate.of(year, month, 1);
        if (day > date.lengthOfMonth()) {
            return null;
        }
        final long epochSecond = (date.toEpochDay() + day - 1) * 86_400L + hour * 3_600L + minute * 60L + second;
        int nanos = fraction;
        for (int digits = n - 21; digits > 0 && digits < 9; digits++) {
            nanos *= 10;
        }
        return Instant.ofEpochSecond(epochSecond, nanos);
    }

    /** The decimal number in {@code s[from, to)}, or -1 unless every character there is an ASCII digit. */
    private static int digits(final String s, final int from, final int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            final char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
