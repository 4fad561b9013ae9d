package dev.tally.gateway;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Whether the producer's {@code send} may run on the request's own thread, and how many bytes may
 * wait for Kafka's acknowledgement. {@code send} blocks (up to {@code max.block.ms}) in two cases
 * only: while the topic's metadata is missing, and while {@code buffer.memory} is full. The first is
 * ruled out by a recent acknowledgement: the producer keeps a topic's metadata while it is sent to
 * within {@code metadata.max.idle.ms}, even with the broker gone. The second is ruled out by
 * refusing a delivery whose records would take the bytes waiting past half the buffer, so a broker
 * outage answers 503 at once instead of holding HTTP threads.
 */
final class SendGate {

    private static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;
    private static final long DEFAULT_METADATA_MAX_IDLE_MS = 5 * 60 * 1000;
    // A record's bytes in the accumulator besides key, value and headers (its batch share, offsets, lengths).
    private static final int RECORD_OVERHEAD = 64;

    private final long maxWaitingBytes;
    private final long warmNanos;
    private final AtomicLong waitingBytes = new AtomicLong();
    // The topic's metadata is in the producer until then; starts (and after a failure goes back to) now: not known.
    private volatile long warmUntil = System.nanoTime();

    SendGate(final long maxWaitingBytes, final Duration warm) {
        this.maxWaitingBytes = maxWaitingBytes;
        this.warmNanos = warm.toNanos();
    }

    /**
     * For a producer with these properties: half its {@code buffer.memory} may wait, and an
     * acknowledgement proves the metadata for {@code metadata.max.idle.ms / 2} less the ack timeout
     * (the record acknowledged may have been sent that long before).
     */
    static SendGate of(final Map<?, ?> producerProperties, final Duration ackTimeout) {
        final long buffer = number(producerProperties, ProducerConfig.BUFFER_MEMORY_CONFIG, DEFAULT_BUFFER_MEMORY);
        final long idleMs = number(producerProperties, ProducerConfig.METADATA_MAX_IDLE_CONFIG, DEFAULT_METADATA_MAX_IDLE_MS);
        return new SendGate(buffer / 2, Duration.ofMillis(Math.max(0, idleMs / 2 - ackTimeout.toMillis())));
    }

    private static long number(final Map<?, ?> props, final String name, final long fallback) {
        final Object value = props.get(name);
        return value == null ? fallback : Long.parseLong(value.toString().trim());
    }

    /** The bytes a record of this size holds in the producer's buffer, as {@link #reserve} counts them. */
    static long bytes(final int keyAndValue, final int headers) {
        return (long) keyAndValue + headers + RECORD_OVERHEAD;
    }

    /** Takes {@code bytes} of the budget; false, taking nothing, when they do not fit. */
    boolean reserve(final long bytes) {
        while (true) {
            final long now = waitingBytes.get();
            // Alone, a delivery always fits: one larger than the budget is for the producer to refuse.
            if (now + bytes > maxWaitingBytes && now > 0) {
                return false;
            }
            if (waitingBytes.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /** A record left the producer: acknowledged, or failed (which may mean its topic's metadata is gone). */
    void settled(final long bytes, final boolean acknowledged) {
        waitingBytes.addAndGet(-bytes);
        final long now = System.nanoTime();
        warmUntil = acknowledged ? now + warmNanos : now;
    }

    /** True when {@code send} finds the topic's metadata without waiting for it. */
    boolean metadataKnown() {
        return System.nanoTime() - warmUntil < 0;
    }

    long waitingBytes() {
        return waitingBytes.get();
    }
}
