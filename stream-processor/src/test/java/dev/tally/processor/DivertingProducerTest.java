package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTimestampException;
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

    @Test
    void shouldThrowASendErrorAsItIsWithoutATransaction() {
        final AbortableProducer kafka = new AbortableProducer();
        final DivertingProducer producer = new DivertingProducer(kafka, new RefusedWrites());
        kafka.refuse();

        assertThatThrownBy(() -> producer.send(RECORD, null)).isInstanceOf(KafkaException.class)
                .isNotInstanceOf(CommitFailedException.class);
    }
}
