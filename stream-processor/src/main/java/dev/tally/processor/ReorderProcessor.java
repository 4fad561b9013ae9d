package dev.tally.processor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/**
 * Releases events in event-time order: each event waits in a buffer until the stage's time has
 * passed its event time plus the reorder delay, then leaves with its own timestamp, oldest first.
 *
 * <p>Reads and forwards records keyed {@code source:event_id} with {@link Envelope} values. Owns the
 * persistent key-value store {@link StoreNames#REORDER}, keyed by (event time, receive time, id) as
 * bytes (two 8-byte big-endian times, then the UTF-8 key {@code source:event_id}), so events with
 * one timestamp all survive — even a redelivery of one id that dedupe let through after its
 * horizon — and iteration order is event-time order, then arrival order. Its time is an {@link IdleClock}: the largest event time
 * seen, which follows the wall clock while no events arrive, so the last events are released even
 * when traffic stops.
 */
public final class ReorderProcessor implements Processor<String, Envelope, String, Envelope> {

    private final Duration delay;
    private final IdleClock clock;
    private ProcessorContext<String, Envelope> context;
    private KeyValueStore<Bytes, Envelope> buffer;

    ReorderProcessor(final Duration delay, final Duration idleAdvance) {
        this.delay = delay;
        this.clock = new IdleClock(idleAdvance);
    }

    public static ProcessorSupplier<String, Envelope, String, Envelope> supplier(final Duration delay, final Duration idleAdvance,
                                                                                final StoreKind stores) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, Envelope, String, Envelope> get() {
                return new ReorderProcessor(delay, idleAdvance);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(stores.keyValue(StoreNames.REORDER, Serdes.Bytes(), Topics.RAW.valueSerde()));
            }
        };
    }

    @Override
    public void init(final ProcessorContext<String, Envelope> context) {
        this.context = context;
        this.buffer = context.getStateStore(StoreNames.REORDER);
        context.schedule(IdleClock.TICK, PunctuationType.WALL_CLOCK_TIME, wallNow -> {
            if (clock.tick(wallNow)) {
                release();
            }
        });
    }

    @Override
    public void process(final Record<String, Envelope> record) {
        clock.observe(record.timestamp(), context.currentSystemTimeMs());
        buffer.put(bufferKey(record.timestamp(), record.value().receivedAt().toEpochMilli(), record.key()), record.value());
        release();
    }

    /** Forwards, oldest first, every buffered event whose time plus the delay has passed. */
    private void release() {
        final long releaseUpTo = clock.time() - delay.toMillis();
        final List<KeyValue<Bytes, Envelope>> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, Envelope> it = buffer.all()) {
            while (it.hasNext()) {
                final KeyValue<Bytes, Envelope> entry = it.next();
                if (eventTime(entry.key) > releaseUpTo) {
                    break;
                }
                due.add(entry);
            }
        }
        for (KeyValue<Bytes, Envelope> entry : due) {
            buffer.delete(entry.key);
            context.forward(new Record<>(entry.value.key(), entry.value, eventTime(entry.key)));
        }
    }

    static Bytes bufferKey(final long eventTime, final long receivedAt, final String id) {
        final byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(2 * Long.BYTES + idBytes.length)
                .putLong(eventTime).putLong(receivedAt).put(idBytes).array());
    }

    private static long eventTime(final Bytes key) {
        return ByteBuffer.wrap(key.get()).getLong();
    }
}
