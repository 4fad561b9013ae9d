package dev.tally.gateway;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.github.bucket4j.Bucket;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.schemas.Rejection;
import dev.tally.schemas.Topics;

/**
 * Writes refused deliveries to {@link Topics#REJECTED} (key: source; value: {@link Rejection}),
 * at most {@code rejected.per_source} of them per source (a token bucket; the rest are only
 * counted), through a bounded queue and a producer of its own. {@link #record} never blocks and
 * never throws, so a rejection's HTTP answer is neither delayed nor changed by writing it, and a
 * flood of bad deliveries cannot flood Kafka.
 */
final class Rejections implements AutoCloseable {

    static final String REDACTED = "[redacted]";
    private static final Logger LOG = LoggerFactory.getLogger(Rejections.class);
    private static final int QUEUE = 1_000;
    // Header names that carry signatures, tokens or credentials in any scheme Tally knows, and the usual suspects.
    private static final Set<String> SENSITIVE_PARTS = Set.of("signature", "sig", "hmac", "token", "secret", "auth",
            "cookie", "key", "password", "credential", "cert");

    private final Producer<String, byte[]> producer;
    private final Rate perSource;
    private final GatewayMetrics metrics;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final BlockingQueue<Rejection> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Thread writer;
    private volatile boolean running = true;

    Rejections(final Producer<String, byte[]> producer, final Rate perSource, final GatewayMetrics metrics) {
        this.producer = producer;
        this.perSource = perSource;
        this.metrics = metrics;
        this.writer = new Thread(this::drain, "gateway-rejections");
        writer.setDaemon(true);
        writer.start();
    }

    /** A producer for rejections: not idempotent (a duplicate rejection is harmless) and never blocking long. */
    static Producer<String, byte[]> producer(final Properties clientProps) {
        final Properties p = new Properties();
        p.putAll(clientProps);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 50);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 4L * 1024 * 1024);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "tally-gateway-rejections");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    Producer<String, byte[]> kafkaProducer() {
        return producer;
    }

    /** Queues the rejection if the source's sample allows it; never blocks. */
    void record(final Rejection rejection) {
        final Bucket bucket = buckets.computeIfAbsent(rejection.source(), s -> Bucket.builder()
                .addLimit(limit -> limit.capacity(Math.max(1, perSource.count())).refillGreedy(Math.max(1, perSource.count()), perSource.period()))
                .build());
        if (perSource.count() == 0 || !bucket.tryConsume(1)) {
            metrics.rejectedTopic("sampled_out");
        } else if (!queue.offer(rejection)) {
            metrics.rejectedTopic("dropped");
        }
    }

    /** The headers as received, with the values of the source's signature header and of credential-like headers redacted. */
    static Map<String, String> redact(final Map<String, String> headers, final String signatureHeader) {
        final Map<String, String> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, value) -> out.put(name, sensitive(name, signatureHeader) ? REDACTED : value));
        return out;
    }

    private static boolean sensitive(final String name, final String signatureHeader) {
        final String lower = name.toLowerCase(Locale.ROOT);
        if (signatureHeader != null && lower.equals(signatureHeader.toLowerCase(Locale.ROOT))) {
            return true;
        }
        for (final String part : SENSITIVE_PARTS) {
            if (lower.contains(part)) {
                return true;
            }
        }
        return false;
    }

    private void drain() {
        while (running || !queue.isEmpty()) {
            final Rejection rejection;
            try {
                rejection = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (rejection != null) {
                send(rejection);
            }
        }
    }

    private void send(final Rejection rejection) {
        try {
            producer.send(new ProducerRecord<>(Topics.REJECTED.name(), null, rejection.receivedAt().toEpochMilli(), rejection.source(),
                    Topics.REJECTED.valueSerde().serializer().serialize(Topics.REJECTED.name(), rejection)), (metadata, error) -> {
                        if (error == null) {
                            metrics.rejectedTopic("written");
                        } else {
                            metrics.rejectedTopic("failed");
                        }
                    });
        } catch (RuntimeException e) {
            metrics.rejectedTopic("failed");
            LOG.atDebug().addKeyValue("source", rejection.source()).log("rejection not written: {}", e.toString());
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            writer.join(Duration.ofSeconds(2).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(2));
    }
}
