package dev.tally.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigFile;
import dev.tally.processor.ProcessorApp;
import dev.tally.processor.ProcessorConfig;
import dev.tally.processor.RefusedWrites;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.KeyCounts;
import dev.tally.schemas.Topics;

/**
 * An output record the broker refuses (here: {@code events.ordered} configured to refuse timestamps
 * more than an hour old, and one event two hours old) goes to {@code tally.deadletter} with its error
 * headers, under exactly-once; no stream thread fails, and every other event is counted and ordered.
 */
class RefusedWriteIT {

    @TempDir
    Path dir;

    @Test
    void shouldDeadLetterARefusedOutputRecordAndKeepCounting() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir.resolve("broker")))) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(Topics.ORDERED.name(), 1, (short) 1)
                        .configs(Map.of("message.timestamp.before.max.ms", "3600000")))).all().get();
            }
            final ConfigFile file = ConfigFile.parse("RefusedWriteIT", """
                    kafka:
                      topics: {partitions: 1}
                    processor:
                      application_id: refused-it
                      reorder_delay: 1s
                      stream_threads: 1
                      counters:
                        - name: by_source
                          group_by: [source]
                          windows: [1m]
                    """);
            final ProcessorConfig config = TopicClients.processorConfig(file, broker.bootstrapServers(), dir.resolve("state"));
            try (ProcessorApp processor = new ProcessorApp(config).start();
                 KafkaConsumer<String, KeyCounts> updates = TopicClients.reader(broker.bootstrapServers(), Topics.COUNT_UPDATES);
                 KafkaConsumer<String, Envelope> ordered = TopicClients.reader(broker.bootstrapServers(), Topics.ORDERED)) {
                processor.awaitRunning(Duration.ofSeconds(60));
                final Instant now = Instant.now();
                try (KafkaProducer<String, Envelope> producer = TopicClients.rawProducer(broker.bootstrapServers())) {
                    for (int i = 0; i < 40; i++) {
                        final Instant time = i == 20 ? now.minus(Duration.ofHours(2)) : now.plusMillis(i);
                        final Envelope e = new Envelope("src", "e" + i, "push", time, now, null, null, "1");
                        producer.send(new ProducerRecord<>(Topics.RAW.name(), e.key(), e)).get();
                    }
                }

                final Map<String, Long> totals = new HashMap<>();
                awaitTrue(Duration.ofSeconds(60), () -> {
                    updates.poll(Duration.ofMillis(200)).forEach(r -> totals.put(r.key(), r.value().total()));
                    return totals.getOrDefault("by_source|src", 0L) == 40L;
                });
                assertThat(totals).containsEntry("by_source|src", 40L);

                final List<String> orderedIds = new ArrayList<>();
                awaitTrue(Duration.ofSeconds(30), () -> {
                    ordered.poll(Duration.ofMillis(200)).forEach(r -> orderedIds.add(r.value().eventId()));
                    return orderedIds.size() >= 39;
                });
                assertThat(orderedIds).hasSize(39).doesNotContain("e20");

                final List<ConsumerRecord<byte[], byte[]>> dead = deadLetters(broker.bootstrapServers());
                assertThat(dead).as("the refused record, once; dead letters (key, refused topic, exception, message): %s", dead.stream()
                        .map(r -> new String(r.key(), StandardCharsets.UTF_8) + ", " + header(r, RefusedWrites.HEADER_REFUSED_TOPIC) + ", "
                                + header(r, "__streams.errors.exception") + ", " + header(r, "__streams.errors.message")).toList())
                        .hasSize(1);
                final ConsumerRecord<byte[], byte[]> refused = dead.get(0);
                assertThat(new String(refused.key(), StandardCharsets.UTF_8)).isEqualTo("src:e20");
                assertThat(header(refused, RefusedWrites.HEADER_REFUSED_TOPIC)).isEqualTo(Topics.ORDERED.name());
                assertThat(header(refused, "__streams.errors.exception")).isEqualTo("org.apache.kafka.common.errors.InvalidTimestampException");
                assertThat(processor.refusedWrites().refusals()).isGreaterThanOrEqualTo(1);
                assertThat(processor.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
                assertThat(failedStreamThreads(processor.streams())).as("no stream thread failed").isZero();
            }
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> deadLetters(final String bootstrap) {
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "it-dead-letters",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(Set.of(Topics.DEAD_LETTER.name()));
            awaitTrue(Duration.ofSeconds(30), () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return !records.isEmpty();
            });
            // Anything more that arrives shortly after would be the same record dead-lettered twice.
            consumer.poll(Duration.ofMillis(1000)).forEach(records::add);
        }
        return records;
    }

    private static String header(final ConsumerRecord<byte[], byte[]> record, final String name) {
        return record.headers().lastHeader(name) == null ? null
                : new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    static double failedStreamThreads(final KafkaStreams streams) {
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            if (e.getKey().name().equals("failed-stream-threads") && e.getKey().group().equals("stream-metrics")) {
                return ((Number) e.getValue().metricValue()).doubleValue();
            }
        }
        throw new AssertionError("no failed-stream-threads metric");
    }

    static void awaitTrue(final Duration timeout, final BooleanSupplier condition) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return;   // the assertion that follows says what is missing
            }
        }
    }
}
