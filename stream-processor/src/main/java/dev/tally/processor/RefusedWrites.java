package dev.tally.processor;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import dev.tally.schemas.Topics;

/**
 * The output records the broker refused (timestamp out of the topic's range, too large, …), shared
 * by the {@link DeadLetterHandler} that learns of a refusal and the {@link DivertingProducer} that
 * writes the same record to {@link Topics#DEAD_LETTER} instead when the task produces it again.
 *
 * <p>Under {@code exactly_once_v2} a refused record cannot simply be skipped: the producer's
 * transaction is already doomed (Kafka's transaction manager makes every failed batch an abortable
 * error), so Kafka Streams aborts it and processes the task's records again from the last commit.
 * They produce the same record (same topic, key and timestamp) again; that time it goes to the
 * dead-letter topic inside the transaction, which then commits. A record is remembered by topic,
 * key and timestamp, the most recent {@link #CAPACITY} of them, in memory: after a restart the
 * first refusal costs one aborted transaction again.
 */
public final class RefusedWrites {

    /** The config key under which {@link ProcessorApp} hands the instance to {@link DeadLetterHandler}. */
    public static final String CONFIG = "tally.refused.writes";
    /** Header naming the topic the refused record was for. */
    public static final String HEADER_REFUSED_TOPIC = "tally.refused.topic";
    static final int CAPACITY = 10_000;

    private record Fingerprint(String topic, Long timestamp, int keyHash, int keyLength) {
        static Fingerprint of(final ProducerRecord<byte[], byte[]> record) {
            final byte[] key = record.key();
            return new Fingerprint(record.topic(), record.timestamp(), Arrays.hashCode(key), key == null ? -1 : key.length);
        }
    }

    private final Map<Fingerprint, Exception> refused = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(final Map.Entry<Fingerprint, Exception> eldest) {
            return size() > CAPACITY;
        }
    };
    private final AtomicLong refusals = new AtomicLong();
    private final AtomicLong diverted = new AtomicLong();

    /** The broker refused {@code record} with {@code cause}. */
    public synchronized void refused(final ProducerRecord<byte[], byte[]> record, final Exception cause) {
        refusals.incrementAndGet();
        refused.put(Fingerprint.of(record), cause);
    }

    /** Why the broker refused this record before, or null. */
    Exception refusalOf(final ProducerRecord<byte[], byte[]> record) {
        if (refusals.get() == 0) {
            return null; // every record is asked about; nearly always nothing was ever refused
        }
        synchronized (this) {
            return refused.get(Fingerprint.of(record));
        }
    }

    /** Refusals seen since start. */
    public long refusals() {
        return refusals.get();
    }

    /** Refused records written to the dead-letter topic instead, since start. */
    public long diverted() {
        return diverted.get();
    }

    void countDiverted() {
        diverted.incrementAndGet();
    }

    /**
     * The dead-letter record for {@code record}: its key, value and headers, timestamped {@code wallNow}
     * (a time the broker accepts), with Kafka Streams' error headers (exception, message, stack trace; the
     * input's topic, partition and offset when known, else -1) and {@link #HEADER_REFUSED_TOPIC}.
     */
    static ProducerRecord<byte[], byte[]> deadLetter(final ProducerRecord<byte[], byte[]> record, final Exception cause,
                                                     final String inputTopic, final int inputPartition, final long inputOffset,
                                                     final long wallNow) {
        final Headers headers = new RecordHeaders(record.headers().toArray());
        final StringWriter trace = new StringWriter();
        cause.printStackTrace(new PrintWriter(trace));
        headers.add("__streams.errors.exception", utf8(cause.getClass().getName()));
        headers.add("__streams.errors.message", utf8(String.valueOf(cause.getMessage())));
        headers.add("__streams.errors.stacktrace", utf8(trace.toString()));
        headers.add("__streams.errors.topic", utf8(inputTopic == null ? "" : inputTopic));
        headers.add("__streams.errors.partition", utf8(Integer.toString(inputPartition)));
        headers.add("__streams.errors.offset", utf8(Long.toString(inputOffset)));
        headers.add(HEADER_REFUSED_TOPIC, utf8(record.topic()));
        return new ProducerRecord<>(Topics.DEAD_LETTER.name(), null, wallNow, record.key(), record.value(), headers);
    }

    private static byte[] utf8(final String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
