package dev.tally.processor;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.schemas.Topics;

/**
 * Kafka Streams' producer, with two changes for a record the broker refuses under exactly-once:
 * <ul>
 *   <li>A record refused before ({@link RefusedWrites}) is written to {@link Topics#DEAD_LETTER}
 *       instead, in the same transaction: so the records of a task whose transaction a refusal aborted
 *       commit when they are processed again.</li>
 *   <li>Committing a transaction in which a send was refused fails as a {@link CommitFailedException}.
 *       The producer is then in an abortable error state; Kafka Streams 4.3 treats the
 *       {@code KafkaException} it gets for that at commit as fatal to the stream thread (which is
 *       replaced, and its tasks wait for a rebalance), while a failed commit is handled as a migrated
 *       task: the transaction is aborted, the tasks are closed and processed again from the last commit
 *       with a new producer, on the same thread. That is the recovery a refused record needs.</li>
 * </ul>
 */
final class DivertingProducer implements Producer<byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(DivertingProducer.class);

    private final Producer<byte[], byte[]> delegate;
    private final RefusedWrites refused;
    /** Whether a send of the current transaction failed (set on the producer's I/O thread). */
    private volatile boolean sendFailed;
    /** Between beginTransaction and its commit or abort (exactly-once only; at-least-once has no transactions). */
    private volatile boolean inTransaction;
    /** Whether {@link #initTransactions} was called: exactly-once. */
    private volatile boolean transactional;
    /** Whether a refusal of the current transaction was passed on (set on the producer's I/O thread). */
    private volatile boolean refusalPassedOn;

    DivertingProducer(final Producer<byte[], byte[]> delegate, final RefusedWrites refused) {
        this.delegate = delegate;
        this.refused = refused;
    }

    @Override
    public Future<RecordMetadata> send(final ProducerRecord<byte[], byte[]> record, final Callback callback) {
        final Callback watched = (metadata, exception) -> {
            if (exception != null) {
                sendFailed = true;
            }
            if (callback != null) {
                callback.onCompletion(metadata, exception == null ? null : attributed(exception));
            }
        };
        if (inTransaction && sendFailed) {
            return doomed(); // the transaction is aborted at its commit: nothing more of it needs to leave
        }
        final Exception cause = refused.refusalOf(record);
        final ProducerRecord<byte[], byte[]> out = cause == null ? record
                : RefusedWrites.deadLetter(record, cause, null, -1, -1L, System.currentTimeMillis());
        if (cause != null) {
            refused.countDiverted();
        }
        try {
            return delegate.send(out, watched);
        } catch (KafkaException e) {
            if (!inTransaction || e instanceof ApiException) {
                throw e;
            }
            // The producer turned abortable a moment before the failed send's callback ran: "cannot execute
            // transactional method because we are in an error state". Thrown, this would kill the stream
            // thread (a cache flush sends outside any handler); the commit fails instead and the tasks are
            // processed again.
            sendFailed = true;
            LOG.debug("a send of this transaction failed; the record is dropped with the rest of the transaction", e);
            return doomed();
        }
    }

    /**
     * The failure to pass on for a record of a transaction. Once the broker refuses a batch, Kafka's
     * producer fails every batch of the transaction still waiting to leave with that same error (its
     * last error), whatever their topic, and the other records of the refused batch with a plain
     * {@code KafkaException}. Neither was refused itself; taken for refused, it would be dead-lettered
     * when the task is processed again, a count lost. So only the first refusal of a transaction is
     * passed on as one; every later failure of it is a {@link TransactionAbortedException} and its
     * record is sent again. A transaction with two refused records is aborted twice, once for each.
     */
    private Exception attributed(final Exception failure) {
        if (!transactional || failure instanceof RetriableException || failure instanceof TransactionAbortedException) {
            return failure;
        }
        if (!refusalPassedOn && failure instanceof ApiException) {
            refusalPassedOn = true;
            return failure;
        }
        return new TransactionAbortedException("not refused itself: another record of its transaction was (" + failure + ")", failure);
    }

    private static Future<RecordMetadata> doomed() {
        return CompletableFuture.failedFuture(new TransactionAbortedException("this transaction is aborted: a send of it was refused"));
    }

    @Override
    public Future<RecordMetadata> send(final ProducerRecord<byte[], byte[]> record) {
        return send(record, null);
    }

    @Override
    public void initTransactions() {
        transactional = true;
        delegate.initTransactions();
    }

    @Override
    public void beginTransaction() {
        sendFailed = false;
        refusalPassedOn = false;
        delegate.beginTransaction();
        inTransaction = true;
    }

    @Override
    public void sendOffsetsToTransaction(final Map<TopicPartition, OffsetAndMetadata> offsets, final ConsumerGroupMetadata groupMetadata) {
        try {
            delegate.sendOffsetsToTransaction(offsets, groupMetadata);
        } catch (KafkaException e) {
            throw asFailedCommit(e);
        }
    }

    @Override
    public void commitTransaction() {
        try {
            delegate.commitTransaction();
            inTransaction = false;
        } catch (KafkaException e) {
            throw asFailedCommit(e);
        }
    }

    /** A commit that failed because a send of its transaction did: a failed commit; anything else as it was. */
    private KafkaException asFailedCommit(final KafkaException e) {
        if (!sendFailed || e instanceof ProducerFencedException || e instanceof TimeoutException) {
            return e;
        }
        LOG.warn("a record of this transaction was refused; aborting it, its records are processed again from the last commit", e);
        return new CommitFailedException("a send of this transaction failed: " + e.getMessage());
    }

    @Override
    public void abortTransaction() {
        inTransaction = false;
        sendFailed = false;
        delegate.abortTransaction();
    }

    @Override
    public void registerMetricForSubscription(final KafkaMetric metric) {
        delegate.registerMetricForSubscription(metric);
    }

    @Override
    public void unregisterMetricFromSubscription(final KafkaMetric metric) {
        delegate.unregisterMetricFromSubscription(metric);
    }

    @Override
    public void flush() {
        delegate.flush();
    }

    @Override
    public List<PartitionInfo> partitionsFor(final String topic) {
        return delegate.partitionsFor(topic);
    }

    @Override
    public Map<MetricName, ? extends Metric> metrics() {
        return delegate.metrics();
    }

    @Override
    public Uuid clientInstanceId(final Duration timeout) {
        return delegate.clientInstanceId(timeout);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public void close(final Duration timeout) {
        delegate.close(timeout);
    }
}
