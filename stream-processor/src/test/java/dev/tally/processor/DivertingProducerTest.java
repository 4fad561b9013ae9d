package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import dev.tally.schemas.Topics;

/**
 * Under exactly-once, once a send of a transaction was refused the producer is in an abortable error
 * state and throws on every later send: the stream thread must see a failed commit, not an exception
 * from a send (a cache flush sends outside any exception handler, and that killed the thread).
 */
class DivertingProducerTest {

    private static final ProducerRecord<byte[], byte[]> RECORD = new ProducerRecord<>(Topics.COUNT_UPDATES.name(), null, 1_000L,
            "k".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8));

    /** A transactional producer that, once {@link #refuse()} was called, behaves as Kafka's in its abortable error state. */
    private static final class AbortableProducer extends MockProducer<byte[], byte[]> {
        private boolean inError;

        AbortableProducer() {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        void refuse() {
            inError = true;
        }

        @Override
        public synchronized Future<RecordMetadata> send(final ProducerRecord<byte[], byte[]> record, final Callback callback) {
            if (inError) {
                throw new KafkaException("Cannot execute transactional method because we are in an error state",
                        new InvalidTimestampException("refused"));
            }
            return super.send(record, callback);
        }

        @Override
        public synchronized void commitTransaction() {
            if (inError) {
                throw new KafkaException("Cannot execute transactional method because we are in an error state");
            }
            super.commitTransaction();
        }
    }

    @Test
    void shouldTurnASendInAnAbortableTransactionIntoAFailedCommit() {
        final AbortableProducer kafka = new AbortableProducer();
        final DivertingProducer producer = new DivertingProducer(kafka, new RefusedWrites());
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(RECORD, null);
        kafka.refuse();

        final Future<RecordMetadata> dropped = producer.send(RECORD, null);
        assertThat(dropped).isDone();
        assertThatThrownBy(dropped::get).hasCauseInstanceOf(KafkaException.class);
        assertThatThrownBy(producer::commitTransaction).isInstanceOf(CommitFailedException.class);

        producer.abortTransaction();
        assertThat(kafka.history()).as("nothing of the aborted transaction was committed").isEmpty();
    }

    /**
     * What Kafka's producer does when the broker refuses one record of a batch: the records before it in
     * the batch fail with a plain KafkaException, the refused one with its own error, and every batch of
     * the transaction not sent yet with the batch's error — the same instance, on any topic. Only the
     * refused record may reach the handler as refused: a batch-mate dead-lettered would be a count lost.
     */
    @Test
    void shouldPassOnOnlyTheRefusedRecordAsRefusedAndEveryOtherFailureOfItsTransactionAsAborted() {
        final MockProducer<byte[], byte[]> kafka = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        final DivertingProducer producer = new DivertingProducer(kafka, new RefusedWrites());
        final List<Exception> seen = new ArrayList<>();
        producer.initTransactions();
        producer.beginTransaction();
        for (int i = 0; i < 4; i++) {
            producer.send(RECORD, (metadata, exception) -> seen.add(exception));
        }
        final InvalidTimestampException batchError = new InvalidTimestampException("One or more records have been rejected due to invalid timestamp");
        kafka.errorNext(new KafkaException("Failed to append record because it was part of a batch which had one more more invalid records"));
        kafka.errorNext(new InvalidTimestampException("Timestamp 1 of message with offset 1 is out of range"));
        kafka.errorNext(batchError);
        kafka.errorNext(batchError);

        assertThat(seen).hasSize(4);
        assertThat(seen.get(0)).as("its batch's record before it").isInstanceOf(TransactionAbortedException.class);
        assertThat(seen.get(1)).as("the refused record").isInstanceOf(InvalidTimestampException.class).hasMessageContaining("offset 1");
        assertThat(seen.subList(2, 4)).as("batches that had not left yet").allSatisfy(e -> assertThat(e).isInstanceOf(TransactionAbortedException.class));

        producer.abortTransaction();
        producer.beginTransaction();
        producer.send(RECORD, (metadata, exception) -> seen.add(exception));
        kafka.errorNext(new InvalidTimestampException("Timestamp 1 of message with offset 0 is out of range"));
        assertThat(seen.get(4)).as("the next transaction's refusal").isInstanceOf(InvalidTimestampException.class);
    }

    @Test
    void shouldThrowASendErrorAsItIsWithoutATransaction() {
        final AbortableProducer kafka = new AbortableProducer();
        final DivertingProducer producer = new DivertingProducer(kafka, new RefusedWrites());
        kafka.refuse();

        assertThatThrownBy(() -> producer.send(RECORD, null)).isInstanceOf(KafkaException.class)
                .isNotInstanceOf(CommitFailedException.class);
    }
}
