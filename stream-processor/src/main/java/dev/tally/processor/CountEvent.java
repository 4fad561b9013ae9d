package dev.tally.processor;

import org.apache.kafka.common.serialization.Serde;

/**
 * What a counter needs of an event after it is keyed by the group key: the value on the counter's
 * repartition topic ({@code <app>-<counter>-by-key-repartition}). The record timestamp is the event time.
 *
 * @param source  the event's source, for the late-events topic
 * @param eventId the event's id, for the late-events and alerts topics
 * @param delta   how much the event adds to the count (1 unless the counter configures deltas)
 */
public record CountEvent(String source, String eventId, long delta) {

    /** Compact binary, see {@link CountEventSerde}. */
    public static final Serde<CountEvent> SERDE = new CountEventSerde();
}
