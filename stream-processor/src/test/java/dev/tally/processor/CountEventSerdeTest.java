package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The repartition topic's value format: round trips, and records an older processor wrote as JSON. */
class CountEventSerdeTest {

    private static final String TOPIC = "tally-by_key-by-key-repartition";

    @Test
    void shouldRoundTrip() {
        for (CountEvent event : new CountEvent[] {new CountEvent("stripe", "evt_1", 1, 0), new CountEvent("", "", 0, 5),
                new CountEvent("sŏurce:ü", "id with ✓ and :", -42, 2), new CountEvent("a", "b", Long.MIN_VALUE, 0),
                CountEvent.progress(0), CountEvent.progress(11)}) {
            final byte[] bytes = CountEvent.SERDE.serializer().serialize(TOPIC, event);
            assertThat(CountEvent.SERDE.deserializer().deserialize(TOPIC, bytes)).isEqualTo(event);
        }
    }

    @Test
    void shouldReadJsonWrittenBeforeTheBinaryFormat() {
        final byte[] json = "{\"source\":\"stripe\",\"event_id\":\"evt_1\",\"delta\":-1}".getBytes(StandardCharsets.UTF_8);
        assertThat(CountEvent.SERDE.deserializer().deserialize(TOPIC, json)).isEqualTo(new CountEvent("stripe", "evt_1", -1));
    }

    @Test
    void shouldReadTheFormatWrittenBeforeTheUpstreamPartitionWasCarried() {
        final byte[] source = "stripe".getBytes(StandardCharsets.UTF_8);
        final byte[] v1 = ByteBuffer.allocate(1 + 8 + 4 + source.length + 5)
                .put((byte) 1).putLong(-1).putInt(source.length).put(source).put("evt_1".getBytes(StandardCharsets.UTF_8)).array();
        final CountEvent event = CountEvent.SERDE.deserializer().deserialize(TOPIC, v1);
        assertThat(event).isEqualTo(new CountEvent("stripe", "evt_1", -1, CountEvent.UNKNOWN_UPSTREAM));
        assertThat(event.isProgress()).isFalse();
    }

    @Test
    void shouldRejectWhatItCannotRead() {
        assertThatThrownBy(() -> CountEvent.SERDE.deserializer().deserialize(TOPIC, new byte[] {7, 0}))
                .isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> CountEvent.SERDE.deserializer().deserialize(TOPIC, new byte[] {1, 0, 0}))
                .isInstanceOf(SerializationException.class);
    }
}
