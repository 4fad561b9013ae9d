package dev.tally.schemas;

import java.time.Instant;

/**
 * One window's count for one key, as written to {@link Topics#COUNT_FINAL} once the window closed.
 * Schema: {@code schemas/count-update.schema.json}.
 *
 * @param counter     the counter's configured name
 * @param key         the group-by key (fields joined as described in {@link GroupKey})
 * @param window      the window size ({@code 1m}, {@code 1h}, …)
 * @param windowStart inclusive start of the window
 * @param windowEnd   exclusive end of the window
 * @param count       the window's count
 */
public record CountUpdate(
        String counter,
        String key,
        String window,
        Instant windowStart,
        Instant windowEnd,
        long count) {

    /** The final topic's key: {@code counter|window|windowStartMillis|key}; one key per window of a group. */
    public String topicKey() {
        return counter + "|" + window + "|" + windowStart.toEpochMilli() + "|" + key;
    }
}
