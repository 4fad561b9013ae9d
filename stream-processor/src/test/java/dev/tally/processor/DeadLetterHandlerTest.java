package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import dev.tally.schemas.Topics;

/**
 * Under exactly-once, only a record the broker refused is remembered (and diverted when its
 * transaction is processed again); a record that merely went down with the aborted transaction is not.
 */
class DeadLetterHandlerTest {

    private final RefusedWrites refused = new RefusedWrites();
    private final DeadLetterHandler handler = new DeadLetterHandler();

    DeadLetterHandlerTest() {
        handler.configure(Map.of(RefusedWrites.CONFIG, refused, StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2));
    }

    @Test
    void shouldRememberARecordTheBrokerRefused() {
        final ProducerRecord<byte[], byte[]> old = record(Topics.ORDERED.name(), "src:e20");
        handler.handleError(null, old, new InvalidTimestampException("older than an hour"));
        assertThat(refused.refusals()).isEqualTo(1);
        assertThat(refused.refusalOf(old)).isInstanceOf(InvalidTimestampException.class);
    }

    @Test
    void shouldNotTakeARecordOfTheAbortedTransactionForRefused() {
        // Seen in CI: the repartition record sent after the refusal, failed with the transaction, was diverted
        // to the dead-letter topic when the task was processed again.
        final ProducerRecord<byte[], byte[]> next = record("app-by_source-by-key-repartition", "src");
        handler.handleError(null, next, new TransactionAbortedException("failing batch since transaction was aborted"));
        assertThat(refused.refusals()).isZero();
        assertThat(refused.refusalOf(next)).isNull();
    }

    private static ProducerRecord<byte[], byte[]> record(final String topic, final String key) {
        return new ProducerRecord<>(topic, null, 1_000L, key.getBytes(StandardCharsets.UTF_8), new byte[] {1});
    }
}
