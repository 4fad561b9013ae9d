package dev.tally.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigFile;
import dev.tally.processor.ProcessorApp;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/**
 * A window closes and its final count is written even when no further event arrives: the
 * processor's time follows the wall clock once traffic stops.
 */
class IdleWindowIT {

    private static final Logger LOG = LoggerFactory.getLogger(IdleWindowIT.class);
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final Duration GRACE = Duration.ofSeconds(2);
    private static final Duration REORDER_DELAY = Duration.ofSeconds(5);
    /** The documented bound: grace + reorder delay + 3 s, plus the commit interval and a consumer's poll. */
    private static final Duration DOCUMENTED = GRACE.plus(REORDER_DELAY).plusSeconds(3);
    private static final Duration DELIVERY_SLACK = Duration.ofSeconds(3);   // commit interval, poll, a busy machine

    @TempDir
    Path dir;

    @Test
    void shouldFinaliseAnIdleWindowWithinTheDocumentedDelay() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir.resolve("broker")))) {
            final ConfigFile file = ConfigFile.parse("IdleWindowIT", """
                    processor:
                      application_id: idle-it
                      reorder_delay: 5s
                      counters:
                        - name: ticks
                          group_by: [source]
                          windows: [10s]
                          grace: 2s
                    """);
            final ProcessorConfig config = TopicClients.processorConfig(file, broker.bootstrapServers(), dir.resolve("state"));
            try (ProcessorApp processor = new ProcessorApp(config).start();
                 KafkaConsumer<String, CountUpdate> finals = TopicClients.reader(broker.bootstrapServers(), Topics.COUNT_FINAL)) {
                processor.awaitRunning(Duration.ofSeconds(60));

                // Three live events at the start of a fresh window, then silence.
                final Instant now = Instant.now();
                final long windowStart = now.toEpochMilli() - Math.floorMod(now.toEpochMilli(), WINDOW.toMillis()) + WINDOW.toMillis();
                final Instant start = Instant.ofEpochMilli(windowStart);
                final Instant end = start.plus(WINDOW);
                while (Instant.now().isBefore(start)) {
                    Thread.sleep(20);
                }
                try (KafkaProducer<String, Envelope> producer = TopicClients.rawProducer(broker.bootstrapServers())) {
                    for (int i = 0; i < 3; i++) {
                        final Envelope e = new Envelope("sensor", "t" + i, "tick", Instant.now(), Instant.now(), null, null, "1");
                        producer.send(new ProducerRecord<>(Topics.RAW.name(), e.key(), e)).get();
                    }
                }

                CountUpdate fin = null;
                Instant arrived = null;
                final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (fin == null && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, CountUpdate> r : finals.poll(Duration.ofMillis(100))) {
                        if (r.value().windowStart().equals(start)) {
                            fin = r.value();
                            arrived = Instant.now();
                        }
                    }
                }
                assertThat(fin).as("a final record for the idle window").isNotNull();
                assertThat(fin.count()).isEqualTo(3);
                final Duration afterEnd = Duration.between(end, arrived);
                LOG.info("final of an idle window arrived {} ms after its end (documented bound {} ms)",
                        afterEnd.toMillis(), DOCUMENTED.toMillis());
                assertThat(afterEnd).isLessThanOrEqualTo(DOCUMENTED.plus(DELIVERY_SLACK));
                assertThat(afterEnd).as("not before the window closed").isGreaterThanOrEqualTo(GRACE);
            }
        }
    }
}
