package dev.tally.processor;

import java.util.List;

import org.apache.kafka.common.serialization.Serde;

/**
 * The value on a counting stage's repartition topic ({@code <app>-<stage>-by-key-repartition}): what
 * one task of the raw side sent to one partition of that topic since its previous batch, in the order
 * it was sent — events keyed by their group key, and progress marks. The record's key is that
 * partition's number ({@link KeyByGroup#PARTITIONER}).
 *
 * <p>One record carries the events of up to a commit interval ({@link KeyByGroup}), so an event costs
 * a fraction of a Kafka record here instead of one: a producer send, a record in the log and a trip
 * through the counting task's record queue each.
 *
 * @param entries the events and marks, in order; never empty
 */
public record CountBatch(List<Entry> entries) {

    /**
     * One event or progress mark.
     *
     * @param key       the event's group key; for a mark {@link KeyByGroup#MARK_KEY}
     * @param timestamp the event's time, or for a mark the upstream partition's watermark
     * @param event     the event or mark
     */
    public record Entry(String key, long timestamp, CountEvent event) {
    }

    /** Compact binary, see {@link CountEventSerde}. */
    public static final Serde<CountBatch> SERDE = new CountEventSerde();

    public CountBatch {
        entries = List.copyOf(entries);
    }
}
