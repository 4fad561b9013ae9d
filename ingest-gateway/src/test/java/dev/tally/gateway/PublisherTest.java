package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;

/** Where the producer's send runs, and what the gateway answers when too much waits for Kafka. */
class PublisherTest {

    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
    private static final Source SOURCE = new Source("src", "hmac", null, null, null, null, null);
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(5);

    /** Acknowledges only when told to, and notes the thread each send ran on. */
    private static final class Producer extends MockProducer<String, byte[]> {
        final List<String> threads = new CopyOnWriteArrayList<>();

        Producer() {
            super(false, null, new StringSerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(final ProducerRecord<String, byte[]> record, final Callback callback) {
            threads.add(Thread.currentThread().getName());
            return super.send(record, callback);
        }
    }

    private final Producer producer = new Producer();
    private Publisher publisher;

    @AfterEach
    void close() {
        publisher.close();
    }

    @Test
    void shouldSendOnTheRequestThreadOnlyOnceAnAckShowsTheTopicIsKnown() throws Exception {
        publisher = new Publisher(producer, ACK_TIMEOUT, new SendGate(1 << 20, Duration.ofMinutes(1)));

        publishAcknowledged("evt-1");
        publish("evt-2");

        assertThat(producer.threads).containsExactly("gateway-kafka-send", Thread.currentThread().getName());
    }

    @Test
    void shouldGoBackToTheSenderThreadsAfterAFailedSend() throws Exception {
        publisher = new Publisher(producer, ACK_TIMEOUT, new SendGate(1 << 20, Duration.ofMinutes(1)));
        publishAcknowledged("evt-1");

        final CompletableFuture<Void> second = publish("evt-2");
        producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker gone"));
        assertThat(second).failsWithin(Duration.ofSeconds(5));
        publish("evt-3");
        awaitSends(3);

        assertThat(producer.threads).last().isEqualTo("gateway-kafka-send");
    }

    @Test
    void shouldRefuseADeliveryAtOnceWhileTooMuchWaitsForKafka() throws Exception {
        final Envelope event = event("evt-1");
        publisher = new Publisher(producer, ACK_TIMEOUT, new SendGate(1, Duration.ofMinutes(1)));

        final CompletableFuture<Void> waiting = publish("evt-1");
        final CompletableFuture<Void> refused = publish("evt-2");

        assertThat(refused).isCompletedExceptionally();
        assertThat(refused.handle((ok, e) -> e).get()).isInstanceOf(KafkaUnavailableException.class)
                .hasMessageContaining("not yet acknowledged");
        awaitSends(1);
        producer.completeNext();
        waiting.get(5, TimeUnit.SECONDS);
        assertThat(publisher.publish(List.of(event), SOURCE, 0)).isNotCompletedExceptionally();
    }

    /** Publishes the first delivery and has Kafka acknowledge it: from then on the topic's metadata is known. */
    private void publishAcknowledged(final String eventId) throws Exception {
        final CompletableFuture<Void> first = publish(eventId);
        awaitSends(1);
        producer.completeNext();
        first.get(5, TimeUnit.SECONDS);
    }

    private CompletableFuture<Void> publish(final String eventId) {
        return publisher.publish(List.of(event(eventId)), SOURCE, 0, Map.of());
    }

    private void awaitSends(final int n) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (producer.history().size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(producer.history()).hasSize(n);
    }

    private static Envelope event(final String id) {
        final ObjectNode payload = Json.MAPPER.createObjectNode().put("k", "v");
        return new Envelope("src", id, "order.created", NOW, NOW, "cust-7", payload, null);
    }
}
