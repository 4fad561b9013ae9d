package dev.tally.processor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

import dev.tally.schemas.Topics;

/**
 * Releases events in event-time order: each event waits in a buffer until the stage's time has
 * passed its event time plus the reorder delay, then leaves with its own timestamp, oldest first.
 *
 * <p>Reads and forwards records keyed {@code source:event_id} with {@link ReceivedEvent} values. Owns the
 * persistent key-value store {@link StoreNames#REORDER}, keyed by (event time, receive time, id) as
 * bytes (two 8-byte big-endian times, then the UTF-8 key {@code source:event_id}), with the envelope's
 * JSON as read from {@link Topics#RAW} as value (not serialised again), so events with
 * one timestamp all survive — even a redelivery of one id that dedupe let through after its
 * horizon — and iteration order is event-time order, then arrival order. Its time is an {@link IdleClock}: the largest event time
 * seen, which follows the wall clock while no events arrive, so the last events are released even
 * when traffic stops. On a restart it starts from the newest buffered event's time. On every wall-clock
 * tick where that release time moved, it forwards a progress mark ({@link #isProgressMark}): null key and
 * value, timestamped with the release time, so each counter partition learns how far this partition has
 * got even when none of its events are for that counter partition. The store has
 * no record cache (an entry waits the reorder delay, far longer than a commit interval); an event
 * already due when it arrives is released at once and never stored.
 */
public final class ReorderProcessor implements Processor<String, ReceivedEvent, String, ReceivedEvent> {

    private final Duration delay;
    private final IdleClock clock;
    private final InputBacklog backlog;
    private ProcessorContext<String, ReceivedEvent> context;
    private KeyValueStore<Bytes, ReceivedEvent> buffer;
    private final TreeMap<Bytes, ReceivedEvent> pending = new TreeMap<>();
    private long lastMark = Long.MIN_VALUE;

    ReorderProcessor(final Duration delay, final Duration idleAdvance) {
        this(delay, idleAdvance, InputBacklog.NONE);
    }

    ReorderProcessor(final Duration delay, final Duration idleAdvance, final InputBacklog backlog) {
        this.delay = delay;
        this.clock = new IdleClock(idleAdvance);
        this.backlog = backlog;
    }

    /**
     * @param backlog whether this instance has read a raw partition to its end: only then does a stage
     *                that has seen no event take its partition for empty (see {@link IdleClock})
     */
    public static ProcessorSupplier<String, ReceivedEvent, String, ReceivedEvent> supplier(final Duration delay, final Duration idleAdvance,
                                                                                final InputBacklog backlog, final StoreKind stores) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, ReceivedEvent, String, ReceivedEvent> get() {
                return new ReorderProcessor(delay, idleAdvance, backlog);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(stores.uncachedKeyValue(StoreNames.REORDER, Serdes.Bytes(), ReceivedEvent.SERDE));
            }
        };
    }

    @Override
    public void init(final ProcessorContext<String, ReceivedEvent> context) {
        this.context = context;
        this.buffer = context.getStateStore(StoreNames.REORDER);
        // The store makes the buffer durable; this sorted copy answers "what is due" without a store
        // iterator per event. Rebuilt from the (restored) store whenever the task starts.
        try (KeyValueIterator<Bytes, ReceivedEvent> it = buffer.all()) {
            it.forEachRemaining(entry -> pending.put(entry.key, entry.value));
        }
        // After a restart the stage's time is at least the newest buffered event's: without it the
        // clock would wait for a new event, and what a crash left in the buffer of a partition that
        // gets no more traffic would never be released.
        if (!pending.isEmpty()) {
            clock.restore(eventTime(pending.lastKey()), context.currentSystemTimeMs());
        }
        context.schedule(IdleClock.TICK, PunctuationType.WALL_CLOCK_TIME, wallNow -> {
            if (clock.tick(wallNow, backlog.caughtUp(Topics.RAW.name(), context.taskId().partition()))) {
                release();
            }
            markProgress();
        });
    }

    /**
     * Whether a record this stage forwards is a progress mark rather than an event: key and value null,
     * timestamp the time up to which every event has been released. Events that arrive later than the
     * reorder delay are the only ones that can still follow with an older time.
     */
    static boolean isProgressMark(final Record<?, ?> record) {
        return record.value() == null;
    }

    /** Forwards a progress mark when the release time moved since the last one: at most one per tick. */
    private void markProgress() {
        if (clock.time() == Long.MIN_VALUE || releaseUpTo() <= lastMark) {
            return;
        }
        lastMark = releaseUpTo();
        context.forward(new Record<>(null, null, lastMark));
    }

    @Override
    public void process(final Record<String, ReceivedEvent> record) {
        clock.observe(record.timestamp(), context.currentSystemTimeMs());
        final Bytes key = bufferKey(record.timestamp(), record.value().envelope().receivedAt().toEpochMilli(), record.key());
        final ReceivedEvent buffered = pending.put(key, record.value());
        // An event already due (it came later than the reorder delay) leaves in this call: it never
        // needs to be in the store.
        final boolean dueNow = buffered == null && record.timestamp() <= releaseUpTo();
        if (!dueNow) {
            buffer.put(key, record.value());
        }
        release(dueNow ? key : null);
    }

    /** Forwards, oldest first, every buffered event whose time plus the delay has passed. */
    private void release() {
        release(null);
    }

    /** {@link #release()}, where the pending event {@code notStored} (if not null) was never put in the store. */
    private void release(final Bytes notStored) {
        final long releaseUpTo = releaseUpTo();
        while (!pending.isEmpty() && eventTime(pending.firstKey()) <= releaseUpTo) {
            final Map.Entry<Bytes, ReceivedEvent> entry = pending.pollFirstEntry();
            if (!entry.getKey().equals(notStored)) {
                // put(null) deletes without delete()'s read and deserialisation of the old value (8 % of the
                // stream thread in a profile); the changelog gets the same tombstone.
                buffer.put(entry.getKey(), null);
            }
            context.forward(new Record<>(entry.getValue().key(), entry.getValue(), eventTime(entry.getKey())));
        }
    }

    private long releaseUpTo() {
        return clock.time() - delay.toMillis();
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
