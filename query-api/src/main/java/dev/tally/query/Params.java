package dev.tally.query;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

import io.javalin.http.Context;

import dev.tally.config.Durations;
import dev.tally.processor.Counter;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.GroupKey;
import dev.tally.schemas.ProblemException;

/** Reads and checks the query parameters shared by the routes; a bad one is a 400 that says what to send. */
final class Params {

    /** How many windows a count query spans when {@code from} is not given. */
    static final int DEFAULT_WINDOWS_BACK = 60;
    static final int DEFAULT_LIMIT = 1000;
    static final int MAX_LIMIT = 10_000;
    static final int MAX_KEYS = 100;

    private Params() {
    }

    static Counter counter(final Context ctx, final ProcessorConfig config) {
        final String name = ctx.pathParam("counter");
        final Counter counter = config.counter(name);
        if (counter == null) {
            throw ProblemException.notFound("unknown-counter", "No counter named '" + name + "'. Counters: "
                    + config.counters().stream().map(Counter::name).toList() + ".");
        }
        return counter;
    }

    static String key(final Context ctx) {
        final List<String> keys = ctx.queryParams("key");
        if (keys.isEmpty()) {
            throw ProblemException.badRequest("The 'key' query parameter is required: the group-by values joined by '"
                    + GroupKey.SEPARATOR + "' (see GET /v1/counters for each counter's key_format).");
        }
        if (keys.size() > 1) {
            throw ProblemException.badRequest("Give one 'key' here; for several keys use GET /v1/counters/{counter}/batch?key=a&key=b.");
        }
        return keys.get(0);
    }

    static List<String> keys(final Context ctx) {
        final List<String> keys = ctx.queryParams("key").stream().distinct().toList();
        if (keys.isEmpty() || keys.size() > MAX_KEYS) {
            throw ProblemException.badRequest("Give between 1 and " + MAX_KEYS + " 'key' parameters (key=a&key=b), got "
                    + keys.size() + ".");
        }
        return keys;
    }

    /** The window sizes asked for: {@code window=all} is every size of the counter; none is its first. */
    static List<Duration> windows(final Context ctx, final Counter counter) {
        final String text = ctx.queryParam("window");
        if ("all".equals(text)) {
            return counter.windows();
        }
        return List.of(window(ctx, counter));
    }

    static Duration window(final Context ctx, final Counter counter) {
        final String text = ctx.queryParam("window");
        final Duration size = text == null ? counter.windows().get(0) : counter.window(text);
        if (size == null) {
            throw ProblemException.badRequest("Counter '" + counter.name() + "' has no window '" + text
                    + "'. Its windows: " + counter.windows().stream().map(Durations::format).toList() + ".");
        }
        return size;
    }

    /** ISO 8601 with an offset, or epoch milliseconds. */
    static Instant instant(final Context ctx, final String name, final Instant fallback) {
        final String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            return text.chars().allMatch(Character::isDigit) ? Instant.ofEpochMilli(Long.parseLong(text))
                    : OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException | NumberFormatException e) {
            throw ProblemException.badRequest("'" + name + "' must be an ISO 8601 date-time with an offset "
                    + "(2026-11-22T10:15:00Z) or epoch milliseconds, got '" + text + "'.");
        }
    }

    /** The {@code [from, to]} range: {@code to} defaults to now, {@code from} to 60 of the largest windows before it. */
    static Instant[] range(final Context ctx, final List<Duration> sizes, final Instant now) {
        final Instant to = instant(ctx, "to", now);
        final Duration longest = sizes.stream().max(Duration::compareTo).orElseThrow();
        final Instant from = instant(ctx, "from", to.minus(longest.multipliedBy(DEFAULT_WINDOWS_BACK)));
        if (from.isAfter(to)) {
            throw ProblemException.badRequest("'from' (" + from + ") is after 'to' (" + to + ").");
        }
        return new Instant[] {from, to};
    }

    static int positive(final Context ctx, final String name, final int fallback, final int max) {
        final String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            final int value = Integer.parseInt(text);
            if (value >= 1 && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ProblemException.badRequest("'" + name + "' must be a whole number from 1 to " + max + ", got '" + text + "'.");
    }

    /**
     * How many changelog records behind a standby copy may be to answer ({@code max_staleness},
     * default 1: complete, since under exactly_once_v2 the last offset is a commit marker).
     */
    static long maxStaleness(final Context ctx) {
        return positive(ctx, "max_staleness", 1, Integer.MAX_VALUE);
    }

    static Cursor cursor(final Context ctx, final List<Duration> sizes) {
        final String text = ctx.queryParam("cursor");
        if (text == null || text.isBlank()) {
            return null;
        }
        final Cursor cursor = Cursor.decode(text);
        if (cursor.sizeIndex() < 0 || cursor.sizeIndex() >= sizes.size()) {
            throw ProblemException.badRequest("'cursor' belongs to another query: pass it with the same 'window'.");
        }
        return cursor;
    }
}
