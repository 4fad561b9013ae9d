package dev.tally.processor;

import org.apache.kafka.common.serialization.Serde;

/**
 * The value on a counter's repartition topic ({@code <app>-<counter>-by-key-repartition}): either an
 * event keyed by its group key, or a progress mark. The record timestamp is the event time, or for a
 * mark the time up to which the reorder stage of partition {@code upstream} has released everything.
 *
 * <p>Both carry the partition of {@code webhooks.raw} (and so of the reorder stage) they come from:
 * the counter stage keeps, per upstream partition, how far in event time it has got, and its own
 * time is the slowest of them (see {@link CounterProcessor}).
 *
 * @param source   the event's source, for the late-events topic; null for a progress mark
 * @param eventId  the event's id, for the late-events and alerts topics; null for a progress mark
 * @param delta    how much the event adds to the count (1 unless the counter configures deltas)
 * @param upstream the upstream partition; {@link #UNKNOWN_UPSTREAM} for records an older processor wrote
 */
public record CountEvent(String source, String eventId, long delta, int upstream) {

    /** Compact binary, see {@link CountEventSerde}. */
    public static final Serde<CountEvent> SERDE = new CountEventSerde();

    /** The upstream partition of records written before it was carried. */
    public static final int UNKNOWN_UPSTREAM = -1;

    /** An event from an unknown upstream partition (tests, and records of an older processor). */
    public CountEvent(final String source, final String eventId, final long delta) {
        this(source, eventId, delta, UNKNOWN_UPSTREAM);
    }

    /** A mark: the reorder stage of {@code upstream} has released every event up to the record's timestamp. */
    public static CountEvent progress(final int upstream) {
        return new CountEvent(null, null, 0L, upstream);
    }

    public boolean isProgress() {
        return eventId == null;
    }
}
