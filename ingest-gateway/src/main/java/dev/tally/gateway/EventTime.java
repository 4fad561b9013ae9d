package dev.tally.gateway;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Pattern;

import dev.tally.schemas.ProblemException;

/**
 * Reads a sender's event time: unix seconds or milliseconds (a number, fractions allowed, or its
 * text), or ISO 8601. An ISO date-time without an offset is read as UTC (WooCommerce's
 * {@code date_modified_gmt}). Anything else is a 400 that names the field.
 */
final class EventTime {

    /** What a number counts from the epoch. */
    enum Epoch { SECONDS, MILLIS }

    private static final Pattern NUMBER = Pattern.compile("\\d+(\\.\\d+)?");

    private EventTime() {
    }

    static Instant parse(final String text, final Epoch epoch, final String field) {
        final Instant time = NUMBER.matcher(text).matches() ? fromNumber(new BigDecimal(text), epoch, text, field) : fromIso(text, field);
        if (time.isBefore(Instant.EPOCH)) {
            // Kafka Streams cannot window negative timestamps.
            throw ProblemException.badRequest(field + ": '" + text + "' is before 1970-01-01T00:00:00Z.");
        }
        return time;
    }

    private static Instant fromNumber(final BigDecimal number, final Epoch epoch, final String text, final String field) {
        final BigDecimal seconds = epoch == Epoch.MILLIS ? number.movePointLeft(3) : number;
        final BigDecimal whole = seconds.setScale(0, RoundingMode.DOWN);
        try {
            return Instant.ofEpochSecond(whole.longValueExact(), seconds.subtract(whole).movePointRight(9).longValue());
        } catch (ArithmeticException | DateTimeException e) {
            throw ProblemException.badRequest(field + ": '" + text + "' is out of range for unix "
                    + epoch.name().toLowerCase(Locale.ROOT) + ".");
        }
    }

    private static Instant fromIso(final String text, final String field) {
        try {
            return OffsetDateTimeText.parse(text);
        } catch (DateTimeParseException withoutOffset) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                throw ProblemException.badRequest(field + ": '" + text
                        + "' is neither a unix timestamp nor an ISO 8601 date-time such as 2026-11-22T10:15:30Z.");
            }
        }
    }
}
