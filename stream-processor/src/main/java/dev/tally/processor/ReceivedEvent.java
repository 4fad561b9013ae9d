package dev.tally.processor;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/**
 * An event as the processor carries it from {@link Topics#RAW} to {@link Topics#ORDERED}: the
 * parsed {@link Envelope} next to the JSON bytes it was read from. The envelope is parsed once, at
 * the source; the reorder buffer and {@code events.ordered} get the original bytes unchanged, so
 * the stage writes the same envelope JSON without serialising it again.
 *
 * @param envelope the parsed event
 * @param json     the envelope as JSON, exactly as read (never modified)
 */
public record ReceivedEvent(Envelope envelope, byte[] json) {

    private static final Deserializer<Envelope> ENVELOPE = Topics.RAW.valueSerde().deserializer();

    /**
     * Reads an envelope's JSON (as {@link Topics#RAW}'s deserializer does, failing alike) and keeps the
     * bytes; writes those bytes back unchanged.
     */
    public static final Serde<ReceivedEvent> SERDE = Serdes.serdeFrom(
            (topic, event) -> event == null ? null : event.json(),
            (topic, bytes) -> bytes == null ? null
                    : new ReceivedEvent(ENVELOPE.deserialize(topic, bytes), bytes));

    /** The record key of the event on {@link Topics#RAW} and {@link Topics#ORDERED}: {@code source:event_id}. */
    public String key() {
        return envelope.key();
    }
}
