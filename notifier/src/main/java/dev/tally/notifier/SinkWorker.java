package dev.tally.notifier;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.config.Durations;
import dev.tally.schemas.Alert;
import dev.tally.schemas.Topics;
import dev.tally.schemas.UndeliveredAlert;

/**
 * Delivers the alerts of {@link Topics#ALERTS} to one sink, on its own thread and with its own consumer
 * (group {@code <group_id>.<sink>}, read_committed, no auto-commit), so a slow or dead sink holds back
 * no other. An offset is committed only once its alert was delivered (2xx), was not for this sink, or
 * was given up and written to {@link Topics#UNDELIVERED}. At most {@link Sink#queue()} alerts are held:
 * when that many are unfinished, the consumer's partitions are paused until some finish.
 *
 * <p>Everything but the HTTP exchange runs on the worker's thread; an exchange's answer is handed back
 * through {@link #completions}.
 */
final class SinkWorker implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(SinkWorker.class);
    private static final Duration MAX_POLL_WAIT = Duration.ofMillis(50);
    private static final Duration DRAIN_ON_CLOSE = Duration.ofSeconds(5);

    private final Sink sink;
    private final NotifierConfig config;
    private final Consumer<String, byte[]> consumer;
    private final Producer<String, UndeliveredAlert> undelivered;
    private final Transport sender;
    private final NotifierMetrics metrics;
    private final Clock clock;
    private final DoubleSupplier random;
    private final int maxPollRecords;

    private final PendingOffsets offsets = new PendingOffsets();
    private final ArrayDeque<Delivery> ready = new ArrayDeque<>();
    private final PriorityQueue<Delivery> waiting = new PriorityQueue<>(Comparator.comparing((Delivery d) -> d.nextAttemptAt));
    private final List<Delivery> active = new ArrayList<>();
    private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
    private final CountDownLatch assigned = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private int inFlight;
    private volatile boolean running = true;

    SinkWorker(final Sink sink, final NotifierConfig config, final Consumer<String, byte[]> consumer,
               final Producer<String, UndeliveredAlert> undelivered, final Transport sender, final NotifierMetrics metrics,
               final Clock clock, final DoubleSupplier random, final int maxPollRecords) {
        this.sink = sink;
        this.config = config;
        this.consumer = consumer;
        this.undelivered = undelivered;
        this.sender = sender;
        this.metrics = metrics;
        this.clock = clock;
        this.random = random;
        this.maxPollRecords = maxPollRecords;
        metrics.outstanding(sink.name(), offsets::outstanding);
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(Topics.ALERTS.name()), new Rebalance());
            while (running) {
                flowControl();
                for (ConsumerRecord<String, byte[]> record : consumer.poll(pollWait())) {
                    accept(record);
                }
                step();
            }
            drain();
        } catch (RuntimeException e) {
            LOG.error("sink '{}': notifier stopped; its unfinished alerts are delivered after a restart", sink.name(), e);
        } finally {
            try {
                consumer.close();
            } finally {
                sender.close();
                stopped.countDown();
            }
        }
    }

    /** Finishes what answered, starts what is due, commits what is done. */
    private void step() {
        for (Runnable done = completions.poll(); done != null; done = completions.poll()) {
            done.run();
        }
        final Instant now = clock.instant();
        while (!waiting.isEmpty() && !waiting.peek().nextAttemptAt.isAfter(now)) {
            ready.add(waiting.poll());
        }
        while (inFlight < sink.concurrency() && !ready.isEmpty()) {
            final Delivery d = ready.poll();
            if (d.revoked) {
                continue;
            }
            if (d.gaveUp != null) {
                writeUndelivered(d);
            } else {
                attempt(d);
            }
        }
        final Map<TopicPartition, OffsetAndMetadata> commits = offsets.committable();
        if (!commits.isEmpty()) {
            consumer.commitAsync(commits, (done, e) -> {
                if (e != null) {
                    // A later commit covers these offsets; until then a restart repeats a few deliveries.
                    LOG.warn("sink '{}': commit failed: {}", sink.name(), e.toString());
                }
            });
        }
    }

    private void accept(final ConsumerRecord<String, byte[]> record) {
        final TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        offsets.add(partition, record.offset());
        final Alert alert;
        try {
            alert = Topics.ALERTS.valueSerde().deserializer().deserialize(record.topic(), record.value());
        } catch (SerializationException e) {
            LOG.warn("sink '{}': skipping {}-{} offset {}: {}", sink.name(), record.topic(), record.partition(), record.offset(),
                    e.getMessage());
            metrics.unreadable(sink.name());
            offsets.finish(partition, record.offset());
            return;
        }
        if (alert == null || !config.sinksOf(alert.counter()).contains(sink.name())) {
            offsets.finish(partition, record.offset());
            return;
        }
        final Delivery d = new Delivery(record, alert, AlertMessage.body(sink.format(), alert), clock.instant());
        active.add(d);
        ready.add(d);
    }

    private void attempt(final Delivery d) {
        final Instant started = clock.instant();
        if (d.firstAttemptAt == null) {
            d.firstAttemptAt = started;
        }
        d.attempts++;
        inFlight++;
        sender.send(d.webhookId, d.body).thenAccept(answer -> completions.add(() -> answered(d, answer, started)));
    }

    private void answered(final Delivery d, final Transport.Answer answer, final Instant started) {
        inFlight--;
        final Instant now = clock.instant();
        metrics.attempted(sink.name(), Duration.between(started, now));
        if (d.revoked) {
            return;
        }
        d.lastStatus = answer.status() < 0 ? null : answer.status();
        if (answer.delivered()) {
            metrics.delivered(sink.name(), answer.status(), Duration.between(d.readAt, now));
            LOG.debug("sink '{}': {} delivered ({}), attempt {}", sink.name(), d.webhookId, answer.status(), d.attempts);
            finish(d);
            return;
        }
        final Duration wait = sink.retry().delay(d.attempts, answer.honouredRetryAfter(), random);
        if (sink.retry().allowsAnother(d.attempts, Duration.between(d.firstAttemptAt, now), wait)) {
            metrics.retried(sink.name(), answer.status());
            LOG.info("sink '{}': {} attempt {} failed ({}); next in {}", sink.name(), d.webhookId, d.attempts, answer.detail(),
                    Durations.format(wait));
            d.nextAttemptAt = now.plus(wait);
            waiting.add(d);
            return;
        }
        d.gaveUp = "gave up after " + d.attempts + (d.attempts == 1 ? " attempt" : " attempts") + " in "
                + Durations.format(Duration.ofMillis(Duration.between(d.firstAttemptAt, now).toMillis()))
                + " (max_attempts " + sink.retry().maxAttempts() + ", deadline " + Durations.format(sink.retry().deadline())
                + "); last: " + answer.detail();
        writeUndelivered(d);
    }

    /** Writes the undelivered record; the alert's offset is finished only once Kafka holds it. */
    private void writeUndelivered(final Delivery d) {
        final UndeliveredAlert record = new UndeliveredAlert(d.alert, sink.name(), d.webhookId, d.attempts, d.lastStatus,
                d.gaveUp, d.firstAttemptAt, clock.instant());
        inFlight++;
        undelivered.send(new ProducerRecord<>(Topics.UNDELIVERED.name(), record.topicKey(), record), (meta, e) -> completions.add(() -> {
            inFlight--;
            if (d.revoked) {
                return;
            }
            if (e != null) {
                LOG.error("sink '{}': cannot write {} to {}; trying again: {}", sink.name(), d.webhookId, Topics.UNDELIVERED.name(),
                        e.toString());
                d.nextAttemptAt = clock.instant().plus(sink.retry().maxBackoff());
                waiting.add(d);
                return;
            }
            metrics.undelivered(sink.name(), d.lastStatus);
            LOG.warn("sink '{}': {} of counter '{}' undelivered: {}", sink.name(), d.webhookId, d.alert.counter(), d.gaveUp);
            finish(d);
        }));
    }

    private void finish(final Delivery d) {
        active.remove(d);
        offsets.finish(d.partition, d.offset);
    }

    /**
     * Pauses reading while the next poll could take the sink past its queue; resumes once it cannot.
     * Paused partitions keep the consumer in its group: it still polls.
     */
    private void flowControl() {
        if (offsets.outstanding() + maxPollRecords > sink.queue()) {
            consumer.pause(consumer.assignment());
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
    }

    private Duration pollWait() {
        if (!ready.isEmpty() && inFlight < sink.concurrency() || !completions.isEmpty()) {
            return Duration.ZERO;
        }
        if (waiting.isEmpty()) {
            return MAX_POLL_WAIT;
        }
        final Duration untilDue = Duration.between(clock.instant(), waiting.peek().nextAttemptAt);
        return untilDue.isNegative() ? Duration.ZERO : untilDue.compareTo(MAX_POLL_WAIT) < 0 ? untilDue : MAX_POLL_WAIT;
    }

    /** On close: let requests in flight answer for a moment, then commit what is done; the rest is redelivered later. */
    private void drain() {
        consumer.pause(consumer.assignment());
        final long deadline = System.nanoTime() + DRAIN_ON_CLOSE.toNanos();
        while (inFlight > 0 && System.nanoTime() < deadline) {
            consumer.poll(MAX_POLL_WAIT);
            for (Runnable done = completions.poll(); done != null; done = completions.poll()) {
                done.run();
            }
        }
        commitNow(offsets.committable());
    }

    /** A synchronous commit that may fail: the next owner then repeats those deliveries, with the same ids. */
    private void commitNow(final Map<TopicPartition, OffsetAndMetadata> commits) {
        if (commits.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(commits, Duration.ofSeconds(10));
        } catch (KafkaException e) {
            LOG.warn("sink '{}': commit of {} failed; those alerts will be delivered again: {}", sink.name(), commits.keySet(),
                    e.toString());
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(final Collection<TopicPartition> partitions) {
            final Map<TopicPartition, OffsetAndMetadata> commits = offsets.committable();
            commits.keySet().retainAll(partitions);
            commitNow(commits);
            drop(partitions);
        }

        @Override
        public void onPartitionsLost(final Collection<TopicPartition> partitions) {
            drop(partitions);
        }

        @Override
        public void onPartitionsAssigned(final Collection<TopicPartition> partitions) {
            assigned.countDown();
        }

        private void drop(final Collection<TopicPartition> partitions) {
            for (TopicPartition partition : partitions) {
                offsets.forget(partition);
            }
            active.removeIf(d -> {
                if (partitions.contains(d.partition)) {
                    d.revoked = true;
                    return true;
                }
                return false;
            });
            ready.removeIf(d -> d.revoked);
            waiting.removeIf(d -> d.revoked);
        }
    }

    Sink sink() {
        return sink;
    }

    /** Whether the consumer has been given partitions at least once. */
    boolean awaitAssigned(final Duration timeout) throws InterruptedException {
        return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asks the worker to stop; requests in flight get a moment to answer (see {@link #awaitStopped}). */
    void stop() {
        running = false;
    }

    boolean awaitStopped(final Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
