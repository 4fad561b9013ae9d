package dev.tally.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The committed offset never passes an alert still being delivered. */
class PendingOffsetsTest {

    private static final TopicPartition P0 = new TopicPartition("alerts", 0);
    private static final TopicPartition P1 = new TopicPartition("alerts", 1);

    @Test
    void shouldCommitOnlyUpToTheFirstUnfinishedOffset() {
        final PendingOffsets offsets = new PendingOffsets();
        offsets.add(P0, 10);
        offsets.add(P0, 11);
        offsets.add(P0, 12);
        offsets.finish(P0, 11);
        offsets.finish(P0, 12);
        assertThat(offsets.committable()).isEmpty();
        assertThat(offsets.outstanding()).isEqualTo(1);
        offsets.finish(P0, 10);
        assertThat(offsets.committable()).isEqualTo(Map.of(P0, new OffsetAndMetadata(13)));
        assertThat(offsets.committable()).isEmpty();
        assertThat(offsets.outstanding()).isZero();
    }

    @Test
    void shouldKeepPartitionsApart() {
        final PendingOffsets offsets = new PendingOffsets();
        offsets.add(P0, 0);
        offsets.add(P1, 5);
        offsets.finish(P1, 5);
        assertThat(offsets.committable()).isEqualTo(Map.of(P1, new OffsetAndMetadata(6)));
    }

    @Test
    void shouldForgetARevokedPartitionsUnfinishedAlerts() {
        final PendingOffsets offsets = new PendingOffsets();
        offsets.add(P0, 0);
        offsets.add(P0, 1);
        offsets.finish(P0, 1);
        offsets.forget(P0);
        assertThat(offsets.outstanding()).isZero();
        assertThat(offsets.committable()).isEmpty();
        offsets.finish(P0, 0);
        assertThat(offsets.outstanding()).isZero();
    }
}
