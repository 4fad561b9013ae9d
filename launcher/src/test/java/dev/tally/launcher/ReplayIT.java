package dev.tally.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigFile;
import dev.tally.processor.ProcessorApp;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.LateEvent;
import dev.tally.schemas.TopicAdmin;
import dev.tally.schemas.TopicSettings;
import dev.tally.schemas.Topics;

/**
 * A replay of old events, worked off unevenly across the raw topic's partitions, is counted in its
 * windows: one partition holds a hundred times the events of the others, so the thread gets through
 * the sparse ones' ten minutes of event time long before the dense one's. A counter whose time were
 * the newest event seen anywhere would close the dense partition's windows under it (a 5 s grace)
 * and send most of its events to {@code events.late}.
 */
class ReplayIT {

    private static final Instant BASE = Instant.parse("2026-11-01T00:00:00Z");
    private static final int MINUTES = 10;
    private static final int DENSE_PER_MINUTE = 600;
    private static final int SPARSE_PER_MINUTE = 6;

    @TempDir
    Path dir;

    @Test
    void shouldCountAnUnevenReplayInItsWindowsWithNothingLate() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir.resolve("broker")))) {
            final ConfigFile file = ConfigFile.parse("ReplayIT", """
                    processor:
                      application_id: replay-it
                      counters:
                        - name: per_source
                          group_by: [source]
                          windows: [1m]
                          grace: 5s
                    """);
            final ProcessorConfig config = TopicClients.processorConfig(file, broker.bootstrapServers(), dir.resolve("state"));
            assertThat(config.kafka().topics().partitions()).as("the replay spreads over three partitions").isEqualTo(3);

            // The topics exist and hold the whole replay before the processor starts, as after `tally reset`.
            new ProcessorApp(config).start().close();
            final Map<Instant, Long> expected = new TreeMap<>();
            try (KafkaProducer<String, Envelope> producer = TopicClients.rawProducer(broker.bootstrapServers())) {
                send(producer, 0, DENSE_PER_MINUTE, expected);
                send(producer, 1, SPARSE_PER_MINUTE, expected);
                send(producer, 2, SPARSE_PER_MINUTE, expected);
                producer.flush();
            }

            try (ProcessorApp processor = new ProcessorApp(config).start();
                 KafkaConsumer<String, CountUpdate> finals = TopicClients.reader(broker.bootstrapServers(), Topics.COUNT_FINAL);
                 KafkaConsumer<String, LateEvent> late = TopicClients.reader(broker.bootstrapServers(), Topics.LATE)) {
                processor.awaitRunning(Duration.ofSeconds(60));

                final Map<Instant, Long> counted = new TreeMap<>();
                final long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (counted.size() < MINUTES && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, CountUpdate> r : finals.poll(Duration.ofMillis(200))) {
                        counted.put(r.value().windowStart(), r.value().count());
                    }
                }
                assertThat(counted).as("every window's final count equals the events sent for it").isEqualTo(expected);
                assertThat(readToEnd(late)).as("nothing went to events.late").isEmpty();
            }
        }
    }

    @Test
    void shouldRefuseToStartWhenTheRawTopicHasOtherPartitionsThanConfigured() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir.resolve("broker")))) {
            final ConfigFile file = ConfigFile.parse("ReplayIT", """
                    kafka:
                      topics: {partitions: 2}
                    processor:
                      application_id: mismatch-it
                      counters: [{name: per_source, group_by: [source], windows: [1m]}]
                    """);
            final ProcessorConfig config = TopicClients.processorConfig(file, broker.bootstrapServers(), dir.resolve("state"));
            TopicAdmin.ensureTopics(config.kafka().clientProperties(), TopicSettings.EMBEDDED, List.of(Topics.RAW), 30_000);

            try (ProcessorApp processor = new ProcessorApp(config)) {
                assertThatThrownBy(processor::start).hasMessage(
                        "webhooks.raw has 3 partitions, but kafka.topics.partitions is 2; set it to 3");
            }
        }
    }

    /** Ten minutes of events on one partition, {@code perMinute} a minute, evenly spaced. */
    private static void send(final KafkaProducer<String, Envelope> producer, final int partition, final int perMinute,
                             final Map<Instant, Long> expected) {
        final long spacing = Duration.ofMinutes(1).toMillis() / perMinute;
        for (int i = 0; i < MINUTES * perMinute; i++) {
            final Instant time = BASE.plusMillis(i * spacing);
            final Envelope e = new Envelope("replay", "p" + partition + "-" + i, "tick", time, time, null, null, "1");
            producer.send(new ProducerRecord<>(Topics.RAW.name(), partition, e.key(), e));
            expected.merge(BASE.plus(Duration.ofMinutes(i / perMinute)), 1L, Long::sum);
        }
    }

    /** Everything committed to the consumer's topic so far. */
    private static <V> List<V> readToEnd(final KafkaConsumer<String, V> consumer) {
        final List<V> read = new ArrayList<>();
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        do {
            consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.value()));
        } while (System.nanoTime() < deadline && (consumer.assignment().isEmpty()
                || consumer.assignment().stream().anyMatch(tp -> consumer.position(tp) < consumer.endOffsets(List.of(tp)).get(tp))));
        return read;
    }
}
