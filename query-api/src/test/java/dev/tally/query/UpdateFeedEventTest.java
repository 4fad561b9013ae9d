package dev.tally.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.tally.schemas.KeyCounts;

/** How the live feed reads a {@code counts.updates} record without parsing it. */
class UpdateFeedEventTest {

    @Test
    void shouldTakeCounterAndKeyFromTheRecordKeyWhoseKeyMayHoldBars() {
        final byte[] json = "{\"counter\":\"by_type\",\"key\":\"demo|push\",\"total\":3,\"windows\":[]}".getBytes(StandardCharsets.UTF_8);
        final UpdateFeed.Event e = UpdateFeed.Event.of(new ConsumerRecord<>("counts.updates", 2, 41L,
                KeyCounts.topicKey("by_type", "demo|push"), json));

        assertThat(e.id()).isEqualTo("2-41");
        assertThat(e.counter()).isEqualTo("by_type");
        assertThat(e.key()).isEqualTo("demo|push");
        assertThat(e.data()).isEqualTo(new String(json, StandardCharsets.UTF_8));
    }

    @Test
    void shouldSkipARecordThatIsNotAnUpdate() {
        assertThat(UpdateFeed.Event.of(new ConsumerRecord<>("counts.updates", 0, 1L, "by_type|push", (byte[]) null))).isNull();
        assertThat(UpdateFeed.Event.of(new ConsumerRecord<>("counts.updates", 0, 2L, "no-bar", new byte[] {'{', '}'}))).isNull();
        assertThat(UpdateFeed.Event.of(new ConsumerRecord<>("counts.updates", 0, 3L, null, new byte[] {'{', '}'}))).isNull();
    }
}
