package dev.tally.schemas;

import java.time.Instant;

/**
 * A key's count in one window reached a configured threshold for the first time, as written to
 * {@link Topics#ALERTS}. Exactly one per (counter, key, window, threshold). Schema:
 * {@code schemas/alert.schema.json}.
 *
 * @param counter     the counter
 * @param key         the group key
 * @param window      the window size
 * @param windowStart start of the window
 * @param windowEnd   end of the window
 * @param threshold   the threshold reached
 * @param count       the count that reached it
 * @param eventId     the event that made the count reach it
 * @param eventTime   that event's time
 */
public record Alert(String counter, String key, String window, Instant windowStart, Instant windowEnd,
                    long threshold, long count, String eventId, Instant eventTime) {

    /** The alert topic's key: {@code counter|window|windowStartMillis|key|threshold}. */
    public String topicKey() {
        return counter + "|" + window + "|" + windowStart.toEpochMilli() + "|" + key + "|" + threshold;
    }
}
