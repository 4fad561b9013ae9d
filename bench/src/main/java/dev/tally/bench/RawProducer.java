package dev.tally.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;
import dev.tally.schemas.TopicAdmin;
import dev.tally.schemas.TopicSettings;
import dev.tally.schemas.Topics;

/** Writes envelopes to the raw topic directly, as the gateway would, for the processing benchmarks. */
final class RawProducer implements AutoCloseable {

    private final KafkaProducer<String, Envelope> producer;

    RawProducer(final String bootstrap) {
        final Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        TopicAdmin.ensureTopics(p, TopicSettings.EMBEDDED, List.of(Topics.RAW), 30_000);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        producer = new KafkaProducer<>(p, Topics.RAW.keySerde().serializer(), Topics.RAW.valueSerde().serializer());
    }

    static Envelope envelope(final String eventId, final String key, final Instant time) {
        return new Envelope(Rig.SOURCE, eventId, "bench.event", time, time, null,
                Json.MAPPER.createObjectNode().put("k", key), "1");
    }

    private void send(final Envelope e) {
        producer.send(new ProducerRecord<>(Topics.RAW.name(), null, e.eventTime().toEpochMilli(), e.key(), e));
    }

    /**
     * {@code events} envelopes over {@code keys} counter keys (round robin), one millisecond of event
     * time apart and ending now. Returns the seconds it took.
     */
    double prefill(final long events, final int keys, final String label) {
        final long start = System.nanoTime();
        final Instant base = Instant.now().minusMillis(events);
        long nextPrint = start + TimeUnit.SECONDS.toNanos(10);
        for (long i = 0; i < events; i++) {
            send(envelope("e" + i, "k" + (i % keys), base.plusMillis(i)));
            if ((i & 0xFFF) == 0 && System.nanoTime() > nextPrint) {
                nextPrint = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                System.err.printf("  [%s] prefill %,d/%,d%n", label, i, events);
            }
        }
        producer.flush();
        return (System.nanoTime() - start) / 1e9;
    }

    /** Sends at {@code rate} per second for {@code duration}, event time now; returns how many were sent. */
    long atRate(final double rate, final Duration duration, final int keys, final String prefix) {
        return atRate(rate, duration, keys, prefix, () -> false);
    }

    /** As {@link #atRate(double, Duration, int, String)}, ending early once {@code done} says so. */
    long atRate(final double rate, final Duration duration, final int keys, final String prefix, final BooleanSupplier done) {
        final long planned = (long) (rate * duration.toMillis() / 1000.0);
        final double period = 1e9 / rate;
        final long start = System.nanoTime();
        final long stop = start + duration.toNanos() * 2;
        long sent = 0;
        for (long i = 0; i < planned && System.nanoTime() < stop && !done.getAsBoolean(); i++) {
            final long due = start + (long) (i * period);
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(Math.min(due - now, 1_000_000));
            }
            send(envelope(prefix + i, "k" + (i % keys), Instant.now()));
            sent++;
        }
        producer.flush();
        return sent;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
