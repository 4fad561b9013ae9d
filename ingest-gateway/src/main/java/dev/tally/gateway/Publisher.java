package dev.tally.gateway;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/**
 * Owns the gateway's Kafka producer and writes events to {@link Topics#RAW} with acks=all and
 * idempotence. {@link #publish} completes only when Kafka has acknowledged every event of the
 * delivery, and fails (never hangs) when it has not within the acknowledgement timeout, or at once
 * when too much already waits for Kafka ({@link SendGate}).
 */
public final class Publisher implements AutoCloseable {

    /** Headers in which providers say a delivery is a retry, and of what. */
    static final List<String> ATTEMPT_HEADERS = List.of("X-Slack-Retry-Num", "X-Slack-Retry-Reason", "X-Atlassian-Webhook-Retry");

    private final Producer<String, byte[]> producer;
    private final Duration ackTimeout;
    private final SendGate gate;
    // Sends while the topic's metadata is not known, when send() waits for it (up to max.block.ms): off the HTTP threads.
    private final ExecutorService sender;
    // Where acknowledged deliveries continue (answer the request): never the producer's network thread.
    private final ExecutorService answering = Executors.newFixedThreadPool(2, r -> {
        final Thread t = new Thread(r, "gateway-kafka-ack");
        t.setDaemon(true);
        return t;
    });

    public Publisher(final Properties clientProps, final Duration ackTimeout) {
        this(producer(clientProps, ackTimeout), ackTimeout, SendGate.of(producerProperties(clientProps, ackTimeout), ackTimeout));
    }

    /** The idempotent acks=all producer for {@link Topics#RAW}. */
    static Producer<String, byte[]> producer(final Properties clientProps, final Duration ackTimeout) {
        return new KafkaProducer<>(producerProperties(clientProps, ackTimeout), new StringSerializer(), new ByteArraySerializer());
    }

    Publisher(final Producer<String, byte[]> producer, final Duration ackTimeout, final SendGate gate) {
        this.producer = producer;
        this.ackTimeout = ackTimeout;
        this.gate = gate;
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
        // Uncompressed unless KAFKA_COMPRESSION_TYPE says otherwise: with linger.ms 0 the batches are small, and each compressed
        // one cost a fresh 64 KiB lz4 block buffer (a fifth of the warm gateway's allocation), for little saved on loopback.
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
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
        final List<ProducerRecord<String, byte[]>> records = new ArrayList<>(events.size());
        final long[] sizes = new long[events.size()];
        long bytes = 0;
        for (int i = 0; i < events.size(); i++) {
            records.add(record(events.get(i), source, secretIndex, attempt));
            sizes[i] = size(records.get(i));
            bytes += sizes[i];
        }
        if (!gate.reserve(bytes)) {
            return CompletableFuture.failedFuture(KafkaUnavailableException.backlog(gate.waitingBytes()));
        }
        final boolean onThisThread = gate.metadataKnown();
        final CompletableFuture<Void> all;
        if (records.size() == 1) {
            all = send(records.get(0), sizes[0], onThisThread);
        } else {
            final CompletableFuture<?>[] acks = new CompletableFuture<?>[records.size()];
            for (int i = 0; i < records.size(); i++) {
                acks[i] = send(records.get(i), sizes[i], onThisThread);
            }
            all = CompletableFuture.allOf(acks);
        }
        // Continue on our own threads: an ack completes on the producer's single network thread, and
        // writing the HTTP answer there (a blocking socket write) would make a slow reader stall every
        // delivery's Kafka I/O.
        return all
                .orTimeout(ackTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .handleAsync((ok, e) -> {
                    if (e != null) {
                        throw new KafkaUnavailableException(ackTimeout, e);
                    }
                    return ok;
                }, answering);
    }

    /**
     * Hands one record to the producer: on this thread when {@code send} cannot block (see
     * {@link SendGate}), else on the sender pool. Its bytes go back to the gate once, when it settles.
     */
    private CompletableFuture<Void> send(final ProducerRecord<String, byte[]> record, final long bytes, final boolean onThisThread) {
        final CompletableFuture<Void> acked = new CompletableFuture<>();
        final Runnable send = () -> {
            try {
                producer.send(record, (metadata, error) -> settle(acked, bytes, error));
            } catch (RuntimeException e) {
                settle(acked, bytes, e);
            }
        };
        if (onThisThread) {
            send.run();
        } else {
            try {
                sender.execute(send);
            } catch (RejectedExecutionException e) {
                settle(acked, bytes, e);
            }
        }
        return acked;
    }

    // Once per record: the producer either calls back (exactly once) or throws without calling back. Not
    // guarded by acked's own completion, which the ack timeout may have taken first.
    private void settle(final CompletableFuture<Void> acked, final long bytes, final Throwable error) {
        gate.settled(bytes, error == null);
        if (error == null) {
            acked.complete(null);
        } else {
            acked.completeExceptionally(error);
        }
    }

    /** An estimate of the record's bytes in the producer's buffer (the key's chars taken as bytes). */
    private static long size(final ProducerRecord<String, byte[]> record) {
        int headers = 0;
        for (Header h : record.headers()) {
            headers += h.key().length() + h.value().length;
        }
        return SendGate.bytes(record.key().length() + record.value().length, headers);
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
