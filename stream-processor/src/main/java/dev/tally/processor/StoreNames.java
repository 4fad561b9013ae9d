package dev.tally.processor;

import java.time.Duration;

import dev.tally.config.Durations;

/** The names of the processor's state stores; the query API reads them by these names. */
public final class StoreNames {

    /** Event ids seen within the dedupe horizon: key {@code source:event_id}, value receive time. */
    public static final String DEDUPE = "dedupe";

    private StoreNames() {
    }

    /** Windowed counts of one counter for one window size, such as {@code counts.by_type.1m}. */
    public static String window(final Counter counter, final Duration size) {
        return "counts." + counter.name() + "." + Durations.format(size);
    }

    /** Event ids waiting to be released in event-time order: key (event time, id), value envelope. */
    public static final String REORDER = "reorder";

    /** The highest count each window of one size has reached, to alert only once per threshold. */
    public static String peak(final Counter counter, final Duration size) {
        return "peaks." + counter.name() + "." + Durations.format(size);
    }

    /** One counter's stage time and how far its windows were finalized. */
    public static String clock(final Counter counter) {
        return "clock." + counter.name();
    }

    /** All-time totals of one counter, such as {@code totals.by_type}. */
    public static String total(final Counter counter) {
        return "totals." + counter.name();
    }
}
