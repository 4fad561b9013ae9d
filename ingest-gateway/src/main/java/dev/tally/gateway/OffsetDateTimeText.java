package dev.tally.gateway;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Reads an ISO 8601 date-time with an offset, accepting and rejecting exactly what
 * {@link OffsetDateTime#parse(CharSequence)} does, at a fraction of its cost for the form senders
 * use: {@code 2026-11-22T10:15:30Z}, {@code 2026-11-22T10:15:30.123+01:00}. Text in any other
 * form (no seconds, lower-case {@code t} or {@code z}, offsets such as {@code +0100} or
 * {@code +01:00:30}, out-of-range fields) is left to {@code OffsetDateTime.parse}, which decides
 * and throws its usual {@link java.time.format.DateTimeParseException}.
 */
final class OffsetDateTimeText {

    // yyyy-MM-ddTHH:mm:ss
    private static final int SECONDS_END = 19;
    private static final int MAX_FRACTION_DIGITS = 9;

    private OffsetDateTimeText() {
    }

    /** @throws java.time.format.DateTimeParseException when {@code OffsetDateTime.parse} would */
    static Instant parse(final String text) {
        final Instant fast = common(text);
        return fast != null ? fast : OffsetDateTime.parse(text).toInstant();
    }

    /**
     * The instant when {@code text} has the common form ({@code yyyy-MM-ddTHH:mm:ss}, an optional
     * fraction of 1 to 9 digits, {@code Z} or {@code ±HH:mm}) with every field in range; otherwise null.
     */
    static Instant common(final String text) {
        final int length = text.length();
        if (length < SECONDS_END + 1 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T'
                || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return null;
        }
        final int year = digits(text, 0, 4);
        final int month = digits(text, 5, 2);
        final int day = digits(text, 8, 2);
        final int hour = digits(text, 11, 2);
        final int minute = digits(text, 14, 2);
        final int second = digits(text, 17, 2);
        if ((year | month | day | hour | minute | second) < 0) {
            return null;
        }
        int at = SECONDS_END;
        int nanos = 0;
        if (text.charAt(at) == '.') {
            final int start = ++at;
            while (at < length && at - start < MAX_FRACTION_DIGITS && isDigit(text.charAt(at))) {
                nanos = nanos * 10 + text.charAt(at++) - '0';
            }
            if (at == start || at < length && isDigit(text.charAt(at))) {
                return null;
            }
            for (int i = at - start; i < MAX_FRACTION_DIGITS; i++) {
                nanos *= 10;
            }
        }
        final ZoneOffset offset = offset(text, at);
        if (offset == null) {
            return null;
        }
        try {
            return Instant.ofEpochSecond(LocalDateTime.of(year, month, day, hour, minute, second).toEpochSecond(offset), nanos);
        } catch (DateTimeException outOfRange) {
            return null;
        }
    }

    /** {@code Z} or {@code ±HH:mm} ending the text at {@code at}; otherwise null. */
    private static ZoneOffset offset(final String text, final int at) {
        final int left = text.length() - at;
        if (left == 1 && text.charAt(at) == 'Z') {
            return ZoneOffset.UTC;
        }
        if (left != 6 || text.charAt(at + 3) != ':') {
            return null;
        }
        final char sign = text.charAt(at);
        final int hours = digits(text, at + 1, 2);
        final int minutes = digits(text, at + 4, 2);
        if (sign != '+' && sign != '-' || hours < 0 || minutes < 0) {
            return null;
        }
        try {
            return sign == '+' ? ZoneOffset.ofHoursMinutes(hours, minutes) : ZoneOffset.ofHoursMinutes(-hours, -minutes);
        } catch (DateTimeException outOfRange) {
            return null;
        }
    }

    /** The value of {@code count} ASCII digits from {@code from}, or -1 when one is not a digit. */
    private static int digits(final String text, final int from, final int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            final char c = text.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            value = value * 10 + c - '0';
        }
        return value;
    }

    private static boolean isDigit(final char c) {
        return c >= '0' && c <= '9';
    }
}
