package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The repartition topic's value format: round trips, the size a batch is sent at, and what it refuses to read. */
class CountEventSerdeTest {

    private static final String TOPIC = "tally-by-event_type-by-key-repartition";

    private static final List<CountBatch.Entry> ENTRIES = List.of(
            new CountBatch.Entry("pro", 1_700_000_000_000L, new CountEvent("stripe", "evt_1", 0, List.of(new CountEvent.Counted("by_type", 1)))),
            new CountBatch.Entry("", 0L, new CountEvent("", "", 5, List.of(new CountEvent.Counted("", 0)))),
            new CountBatch.Entry("ключ|✓", -5L, new CountEvent("sŏurce:ü", "id with ✓ and : 😀", 2,
                    List.of(new CountEvent.Counted("a", -42), new CountEvent.Counted("b", 3)))),
            new CountBatch.Entry("k", Long.MAX_VALUE, new CountEvent("a", "b", 0, List.of(new CountEvent.Counted("c", Long.MIN_VALUE)))),
            new CountBatch.Entry(KeyByGroup.MARK_KEY, 42L, CountEvent.progress(0)),
            new CountBatch.Entry(KeyByGroup.MARK_KEY, Long.MIN_VALUE, CountEvent.progress(11)));

    @Test
    void shouldRoundTripEveryEntryInOrder() {
        final CountBatch batch = new CountBatch(ENTRIES);
        final byte[] bytes = CountBatch.SERDE.serializer().serialize(TOPIC, batch);
        assertThat(CountBatch.SERDE.deserializer().deserialize(TOPIC, bytes)).isEqualTo(batch);
        for (CountBatch.Entry entry : ENTRIES) {
            final CountBatch one = new CountBatch(List.of(entry));
            assertThat(CountBatch.SERDE.deserializer().deserialize(TOPIC, CountBatch.SERDE.serializer().serialize(TOPIC, one))).isEqualTo(one);
        }
        assertThat(CountEvent.progress(3).isProgress()).isTrue();
    }

    @Test
    void shouldNeverWriteMoreThanTheSizeItReckons() {
        int reckoned = CountEventSerde.HEADER;
        for (CountBatch.Entry entry : ENTRIES) {
            reckoned += CountEventSerde.size(entry);
        }
        final int written = CountBatch.SERDE.serializer().serialize(TOPIC, new CountBatch(ENTRIES)).length;
        assertThat(written).isLessThanOrEqualTo(reckoned);
        // ASCII is reckoned exactly.
        final CountBatch.Entry ascii = ENTRIES.get(0);
        assertThat(CountBatch.SERDE.serializer().serialize(TOPIC, new CountBatch(List.of(ascii))))
                .hasSize(CountEventSerde.HEADER + CountEventSerde.size(ascii));
    }

    @Test
    void shouldRejectWhatItCannotRead() {
        final byte[] good = CountBatch.SERDE.serializer().serialize(TOPIC, new CountBatch(ENTRIES));
        for (byte[] bad : new byte[][] {
                {7, 0, 0, 0, 1},                                      // unknown format
                {3, 0, 0, 0, 0},                                      // no entries
                {3, 0x7f, 0, 0, 0},                                   // more entries than bytes
                {3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0, 0, 0}, // a key longer than what is left
                Arrays.copyOf(good, good.length - 1),                 // cut short
                Arrays.copyOf(good, good.length + 1),                 // trailing bytes
                "{\"source\":\"s\"}".getBytes()}) {
            assertThatThrownBy(() -> CountBatch.SERDE.deserializer().deserialize(TOPIC, bad)).isInstanceOf(SerializationException.class);
        }
    }
}
