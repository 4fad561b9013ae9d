package dev.tally.notifier;

import static dev.tally.notifier.WebhookReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.tally.config.KafkaSettings;
import dev.tally.schemas.Alert;
import dev.tally.schemas.TopicSettings;
import dev.tally.schemas.Topics;
import dev.tally.schemas.UndeliveredAlert;

/**
 * One sink's worker against a mock consumer and a transport the test answers by hand: it holds no more
 * than its queue, and commits an offset only once every alert before it is finished.
 */
class SinkWorkerTest {

    private static final TopicPartition P0 = new TopicPartition(Topics.ALERTS.name(), 0);
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    /** Keeps every attempt's future for the test to complete. */
    private static final class HeldTransport implements Transport {
        final ConcurrentLinkedQueue<CompletableFuture<Answer>> pending = new ConcurrentLinkedQueue<>();

        @Override
        public CompletableFuture<Answer> send(final String webhookId, final byte[] body) {
            final CompletableFuture<Answer> answer = new CompletableFuture<>();
            pending.add(answer);
            return answer;
        }

        void answerAll(final int status) {
            for (CompletableFuture<Answer> f = pending.poll(); f != null; f = pending.poll()) {
                f.complete(new Answer(status, null, "HTTP " + status));
            }
        }

        @Override
        public void close() {
        }
    }

    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    private final MockProducer<String, UndeliveredAlert> producer = new MockProducer<>(true, null,
            Topics.UNDELIVERED.keySerde().serializer(), Topics.UNDELIVERED.valueSerde().serializer());
    private final HeldTransport transport = new HeldTransport();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private SinkWorker worker;
    private Thread thread;

    @AfterEach
    void stop() throws InterruptedException {
        if (worker != null) {
            transport.answerAll(200);
            worker.stop();
            thread.join(10_000);
        }
    }

    @Test
    void shouldPauseReadingWhileItsQueueIsFullAndCommitOnlyFinishedAlerts() throws Exception {
        start(8, 2, RetryPolicy.DEFAULT);
        await(Duration.ofSeconds(10), () -> transport.pending.size() == 4, "four requests in flight (its concurrency)");
        await(Duration.ofSeconds(10), () -> !consumer.paused().isEmpty(), "reading paused");
        assertThat(outstanding()).isBetween(7.0, 8.0);
        assertThat(committed()).isNull();

        transport.answerAll(200);
        await(Duration.ofSeconds(10), () -> committed() != null && committed().offset() >= 4, "the first four committed");
        await(Duration.ofSeconds(20), () -> {
            transport.answerAll(200);
            return committed() != null && committed().offset() == 20;
        }, "all twenty delivered and committed");
        assertThat(outstanding()).isZero();
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void shouldCommitAGivenUpAlertOnlyAfterItsUndeliveredRecordIsWritten() throws Exception {
        start(100, 10, new RetryPolicy(1, Duration.ofMinutes(1), Duration.ofMillis(1), Duration.ofMillis(1)));
        await(Duration.ofSeconds(20), () -> {
            transport.answerAll(500);
            return committed() != null && committed().offset() == 20;
        }, "all given up, and every offset committed");
        assertThat(producer.history()).as("the 16 alerts of counter orders").hasSize(16).allSatisfy(r -> {
            assertThat(r.value().sink()).isEqualTo("hook");
            assertThat(r.value().lastStatus()).isEqualTo(500);
            assertThat(r.value().attempts()).isEqualTo(1);
            assertThat(r.key()).isEqualTo(r.value().alert().topicKey() + "|hook");
        });
    }

    private void start(final int queue, final int maxPollRecords, final RetryPolicy retry) {
        final Sink sink = new Sink("hook", URI.create("https://example.com/h"), SinkFormat.SLACK, null, retry, Duration.ofSeconds(1),
                queue, 4);
        final NotifierConfig config = new NotifierConfig("g", List.of(sink), Map.of("orders", List.of("hook")), Set.of(),
                "earliest", "127.0.0.1", 0, new KafkaSettings(Map.of(), TopicSettings.EMBEDDED));
        consumer.setMaxPollRecords(maxPollRecords);
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(P0));
            consumer.updateBeginningOffsets(Map.of(P0, 0L));
            for (int i = 0; i < 20; i++) {
                final Alert alert = new Alert(i % 5 == 4 ? "other" : "orders", "k" + i, "1m", T0, T0.plusSeconds(60), 1, 1, "e" + i, T0);
                consumer.addRecord(new ConsumerRecord<>(P0.topic(), 0, i, alert.topicKey(),
                        Topics.ALERTS.valueSerde().serializer().serialize(P0.topic(), alert)));
            }
        });
        worker = new SinkWorker(sink, config, consumer, producer, transport, new NotifierMetrics(registry),
                Clock.systemUTC(), () -> 0.5, maxPollRecords);
        thread = new Thread(worker, "sink-worker-test");
        thread.start();
    }

    private OffsetAndMetadata committed() {
        return consumer.committed(Set.of(P0)).get(P0);
    }

    private double outstanding() {
        return registry.find("tally.notifier.outstanding").gauge().value();
    }
}
