package dev.tally.schemas;

import java.time.Instant;

/**
 * A counter's new value for one key in one window, as written to {@link Topics#COUNT_UPDATES}.
 * Schema: {@code schemas/count-update.schema.json}.
 *
 * @param counter     the counter's configured name
 * @param key         the group-by key (fields joined as described in {@link GroupKey})
 * @param window      the window size ({@code 1m}, {@code 1h}, …), or {@code all} for the all-time total
 * @param windowStart inclusive start of the window; null for the all-time total
 * @param windowEnd   exclusive end of the window; null for the all-time total
 * @param count       the count so far
 */
public record CountUpdate(
        String counter,
        String key,
        String window,
        Instant windowStart,
        Instant windowEnd,
        long count) {

    public static final String ALL_TIME = "all";

    /** The update topic's key: {@code counter|window|windowStartMillis|key}; one key per window of a group. */
    public String topicKey() {
        final long start = windowStart == null ? 0L : windowStart.toEpochMilli();
        return counter + "|" + window + "|" + start + "|" + key;
    }
}
