package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The repartition topic's value format: round trips, and what it refuses to read. */
class CountEventSerdeTest {

    private static final String TOPIC = "tally-by-event_type-by-key-repartition";

    @Test
    void shouldRoundTrip() {
        for (CountEvent event : new CountEvent[] {
                new CountEvent("stripe", "evt_1", 0, List.of(new CountEvent.Counted("by_type", 1))),
                new CountEvent("", "", 5, List.of(new CountEvent.Counted("", 0))),
                new CountEvent("sŏurce:ü", "id with ✓ and :", 2, List.of(new CountEvent.Counted("a", -42), new CountEvent.Counted("b", 3))),
                new CountEvent("a", "b", 0, List.of(new CountEvent.Counted("c", Long.MIN_VALUE))),
                CountEvent.progress(0), CountEvent.progress(11)}) {
            final byte[] bytes = CountEvent.SERDE.serializer().serialize(TOPIC, event);
            assertThat(CountEvent.SERDE.deserializer().deserialize(TOPIC, bytes)).isEqualTo(event);
        }
        assertThat(CountEvent.progress(3).isProgress()).isTrue();
    }

    @Test
    void shouldRejectWhatItCannotRead() {
        assertThatThrownBy(() -> CountEvent.SERDE.deserializer().deserialize(TOPIC, new byte[] {7, 0, 0, 0, 0}))
                .isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> CountEvent.SERDE.deserializer().deserialize(TOPIC, new byte[] {1, 0, 0}))
                .isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> CountEvent.SERDE.deserializer().deserialize(TOPIC, "{\"source\":\"s\"}".getBytes()))
                .isInstanceOf(SerializationException.class);
    }
}
