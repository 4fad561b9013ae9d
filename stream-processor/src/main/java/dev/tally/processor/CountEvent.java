package dev.tally.processor;

import java.util.List;

/**
 * One entry of a {@link CountBatch} on a counting stage's repartition topic: either an event, with
 * what it adds to each counter of the stage that counts it, or a progress mark. The entry's timestamp
 * is the event time, or for a mark the watermark of partition {@code upstream} of
 * {@code webhooks.raw} (see {@link WatermarkProcessor}).
 *
 * @param source   the event's source, for the late-events topic; null for a progress mark
 * @param eventId  the event's id, for the late-events and alerts topics; null for a progress mark
 * @param upstream the partition of {@code webhooks.raw} the record comes from
 * @param counts   the counters of the stage that count the event, with their deltas; empty for a mark
 */
public record CountEvent(String source, String eventId, int upstream, List<Counted> counts) {

    /** What the event adds to one counter (1 unless the counter configures deltas). */
    public record Counted(String counter, long delta) {
    }

    public CountEvent {
        counts = List.copyOf(counts);
    }

    /** A mark: partition {@code upstream}'s watermark has reached the record's timestamp. */
    public static CountEvent progress(final int upstream) {
        return new CountEvent(null, null, upstream, List.of());
    }

    public boolean isProgress() {
        return eventId == null;
    }
}
