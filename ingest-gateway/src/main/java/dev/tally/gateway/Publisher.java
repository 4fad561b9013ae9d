package dev.tally.gateway;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/**
 * Owns the gateway's Kafka producer and writes events to {@link Topics#RAW} with acks=all and
 * idempotence. {@link #publish} completes only when Kafka has acknowledged every event of the
 * delivery, and fails (never hangs) when it has not within the acknowledgement timeout.
 */
public final class Publisher implements AutoCloseable {

    /** Headers in which providers say a delivery is a retry, and of what. */
    static final List<String> ATTEMPT_HEADERS = List.of("X-Slack-Retry-Num", "X-Slack-Retry-Reason", "X-Atlassian-Webhook-Retry");

    private final Producer<String, byte[]> producer;
    private final Duration ackTimeout;
    // send() can block while metadata is missing (broker down); keep that off the HTTP threads.
    private final ExecutorService sender;
    // Where acknowledged deliveries continue (answer the request): never the producer's network thread.
    private final ExecutorService answering = Executors.newFixedThreadPool(2, r -> {
        final Thread t = new Thread(r, "gateway-kafka-ack");
        t.setDaemon(true);
        return t;
    });

    public Publisher(final Properties clientProps, final Duration ackTimeout) {
        this(producer(clientProps, ackTimeout), ackTimeout);
    }

    /** The idempotent acks=all producer for {@link Topics#RAW}. */
    static Producer<String, byte[]> producer(final Properties clientProps, final Duration ackTimeout) {
        return new KafkaProducer<>(producerProperties(clientProps, ackTimeout), new StringSerializer(), new ByteArraySerializer());
    }

    Publisher(final Producer<String, byte[]> producer, final Duration ackTimeout) {
        this.producer = producer;
        this.ackTimeout = ackTimeout;
        this.sender = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(10_000),
                r -> {
                    final Thread t = new Thread(r, "gateway-kafka-send");
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Batching without a wait: the producer sends as soon as it can ({@code linger.ms} 0) with one
     * produce request in flight, and the records that arrive while it is in flight leave together in
     * the next. An idle gateway answers without lingering; a busy one sends batches as large as one
     * round trip's worth of deliveries. {@code KAFKA_LINGER_MS} and
     * {@code KAFKA_MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION} override them.
     */
    private static final int LINGER_MS = 0;
    private static final int IN_FLIGHT = 1;

    static Properties producerProperties(final Properties clientProps, final Duration ackTimeout) {
        final Properties p = new Properties();
        p.putAll(clientProps);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(LINGER_MS));
        final int lingerMs = Integer.parseInt(p.get(ProducerConfig.LINGER_MS_CONFIG).toString());
        p.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, String.valueOf(IN_FLIGHT));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // Give up on a record when the HTTP request gives up on it, so a 503 mostly means "not written".
        final int timeoutMs = (int) ackTimeout.toMillis();
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        // Kafka requires delivery.timeout.ms ≥ linger.ms + request.timeout.ms.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs + lingerMs);
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tally-gateway");
        return p;
    }

    Producer<String, byte[]> kafkaProducer() {
        return producer;
    }

    /**
     * Writes the events of one delivery. Completes normally once Kafka acknowledged all of them;
     * exceptionally with {@link KafkaUnavailableException} when it did not within the timeout.
     */
    public CompletableFuture<Void> publish(final List<Envelope> events, final Source source, final int secretIndex) {
        return publish(events, source, secretIndex, Map.of());
    }

    /**
     * The delivery-attempt headers a provider sent ({@link #ATTEMPT_HEADERS}), to be kept on each
     * record as {@code tally.attempt.<header>}: an operator can see which deliveries were retries.
     */
    static Map<String, String> attemptHeaders(final Delivery delivery) {
        final Map<String, String> found = new TreeMap<>();
        for (String name : ATTEMPT_HEADERS) {
            final String value = delivery.header(name);
            if (value != null) {
                found.put(name.toLowerCase(Locale.ROOT), value);
            }
        }
        return found;
    }

    /** Writes the events of one delivery, with the provider's attempt headers on each record. */
    public CompletableFuture<Void> publish(final List<Envelope> events, final Source source, final int secretIndex,
                                           final Map<String, String> attempt) {
        final CompletableFuture<Void> all;
        if (events.size() == 1) {
            all = send(record(events.get(0), source, secretIndex, attempt));
        } else {
            final CompletableFuture<?>[] acks = new CompletableFuture<?>[events.size()];
            for (int i = 0; i < events.size(); i++) {
                acks[i] = send(record(events.get(i), source, secretIndex, attempt));
            }
            all = CompletableFuture.allOf(acks);
        }
        // Continue on our own threads: an ack completes on the producer's single network thread, and
        // writing the HTTP answer there would make that thread every request's bottleneck.
        return all
                .orTimeout(ackTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .handleAsync((ok, e) -> {
                    if (e != null) {
                        throw new KafkaUnavailableException(ackTimeout, e);
                    }
                    return ok;
                }, answering);
    }

    private CompletableFuture<Void> send(final ProducerRecord<String, byte[]> record) {
        final CompletableFuture<Void> acked = new CompletableFuture<>();
        try {
            sender.execute(() -> {
                try {
                    producer.send(record, (metadata, error) -> {
                        if (error == null) {
                            acked.complete(null);
                        } else {
                            acked.completeExceptionally(error);
                        }
                    });
                } catch (RuntimeException e) {
                    acked.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            acked.completeExceptionally(e);
        }
        return acked;
    }

    // The record timestamp is the receive time: brokers reject timestamps far from now, and event
    // times can be old or ahead. The processor reads the event time from the envelope.
    private static ProducerRecord<String, byte[]> record(final Envelope event, final Source source, final int secretIndex,
                                                         final Map<String, String> attempt) {
        final ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.RAW.name(), null,
                event.receivedAt().toEpochMilli(), event.key(), Topics.RAW.valueSerde().serializer().serialize(Topics.RAW.name(), event));
        record.headers()
                .add("tally.source", utf8(source.name()))
                .add("tally.scheme", utf8(source.scheme()))
                .add("tally.secret-index", utf8(String.valueOf(secretIndex)))
                .add("tally.received-at", utf8(event.receivedAt().toString()));
        attempt.forEach((name, value) -> record.headers().add("tally.attempt." + name, utf8(value)));
        return record;
    }

    private static byte[] utf8(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        sender.shutdown();
        producer.close(Duration.ofSeconds(5));
        answering.shutdown();
    }
}
