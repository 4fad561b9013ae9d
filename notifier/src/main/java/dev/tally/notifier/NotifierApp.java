package dev.tally.notifier;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.schemas.TopicAdmin;
import dev.tally.schemas.Topics;
import dev.tally.schemas.UndeliveredAlert;

/**
 * Delivers threshold alerts to the configured sinks: one {@link SinkWorker} per sink, each with its own
 * consumer of {@link Topics#ALERTS}, and one producer of {@link Topics#UNDELIVERED} for them all. Runs
 * inside {@code tally up} and {@code tally processor}, or alone as {@code tally notifier}; instances with
 * the same {@code notify.group_id} share the work.
 */
public final class NotifierApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NotifierApp.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final NotifierConfig config;
    private final NotifierMetrics metrics;
    private final Clock clock;
    private final List<SinkWorker> workers = new ArrayList<>();
    private Producer<String, UndeliveredAlert> undelivered;

    public NotifierApp(final NotifierConfig config, final MeterRegistry registry, final Clock clock) {
        this.config = config;
        this.metrics = new NotifierMetrics(registry);
        this.clock = clock;
    }

    /** Creates missing topics and starts one worker thread per sink; returns at once. */
    public NotifierApp start() {
        TopicAdmin.ensureTopics(config.kafka().clientProperties(), config.kafka().topics(),
                List.of(Topics.ALERTS, Topics.UNDELIVERED), 30_000);
        undelivered = new KafkaProducer<>(producerProperties(), Topics.UNDELIVERED.keySerde().serializer(),
                Topics.UNDELIVERED.valueSerde().serializer());
        for (Sink sink : config.sinks()) {
            final int maxPollRecords = Math.min(100, Math.max(1, sink.queue() / 4));
            final SinkWorker worker = new SinkWorker(sink, config,
                    new KafkaConsumer<>(consumerProperties(sink, maxPollRecords), new StringDeserializer(), new ByteArrayDeserializer()),
                    undelivered, new WebhookSender(sink, clock), metrics, clock, () -> ThreadLocalRandom.current().nextDouble(),
                    maxPollRecords);
            workers.add(worker);
            final Thread thread = new Thread(worker, "tally-notify-" + sink.name());
            thread.setDaemon(true);
            thread.start();
            LOG.info("notifier: sink '{}' ({}, {}) reads {} as group {}", sink.name(), sink.format(), sink.origin(),
                    Topics.ALERTS.name(), groupOf(sink));
        }
        return this;
    }

    /** Waits until every sink's consumer got its partitions (tests write alerts only then). */
    public void awaitAssigned(final Duration timeout) throws InterruptedException {
        for (SinkWorker worker : workers) {
            if (!worker.awaitAssigned(timeout)) {
                throw new IllegalStateException("sink '" + worker.sink().name() + "' got no partitions of "
                        + Topics.ALERTS.name() + " within " + timeout);
            }
        }
    }

    public NotifierConfig config() {
        return config;
    }

    String groupOf(final Sink sink) {
        return config.groupId() + "." + sink.name();
    }

    private Properties consumerProperties(final Sink sink, final int maxPollRecords) {
        final Properties p = config.kafka().clientProperties();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupOf(sink));
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Only alerts of committed processor transactions: an aborted attempt's alert is never sent.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, config.startFrom());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, groupOf(sink) + "-" + ProcessHandle.current().pid());
        return p;
    }

    private Properties producerProperties() {
        final Properties p = config.kafka().clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, config.groupId() + "-undelivered-" + ProcessHandle.current().pid());
        return p;
    }

    @Override
    public void close() {
        try {
            workers.forEach(SinkWorker::stop);
            for (SinkWorker worker : workers) {
                if (!worker.awaitStopped(STOP_TIMEOUT)) {
                    LOG.warn("sink '{}' did not stop within {}", worker.sink().name(), STOP_TIMEOUT);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (undelivered != null) {
                undelivered.close(Duration.ofSeconds(10));
            }
        }
    }
}
