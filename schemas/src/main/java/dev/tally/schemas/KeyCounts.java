package dev.tally.schemas;

import java.time.Instant;
import java.util.List;

/**
 * The latest counts of one key of one counter, as written to {@link Topics#COUNT_UPDATES}: its
 * all-time total and every one of its windows that is still open (not final yet), of every size.
 * Records are coalesced: at least one per commit interval for each key that changed, carrying its
 * state at that point, so the newest record of a record key is the key's current state; a window
 * that closed is in {@link Topics#COUNT_FINAL}. Schema: {@code schemas/key-counts.schema.json}.
 *
 * @param counter the counter's configured name
 * @param key     the group-by key (fields joined as described in {@link GroupKey})
 * @param total   the all-time total
 * @param windows the open windows, by size in the counter's order, oldest first
 */
public record KeyCounts(String counter, String key, long total, List<Window> windows) {

    /**
     * One open window's count so far.
     *
     * @param window the window size ({@code 1m}, {@code 1h}, …)
     * @param start  inclusive start
     * @param end    exclusive end
     */
    public record Window(String window, Instant start, Instant end, long count) {
    }

    public KeyCounts {
        windows = List.copyOf(windows);
    }

    /** The update topic's key: {@code counter|key}. */
    public String topicKey() {
        return topicKey(counter, key);
    }

    public static String topicKey(final String counter, final String key) {
        return counter + "|" + key;
    }
}
