package dev.tally.processor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

import dev.tally.schemas.Topics;

/**
 * The {@link Topics#ORDERED} branch: releases events in event-time order, each once the partition's
 * watermark has passed its event time, with its own timestamp, oldest first (equal times: in the
 * order they were received). The count path does not go through it (events are counted on arrival,
 * see {@link CountingProcessor}).
 *
 * <p>Reads what {@link WatermarkProcessor} forwards (events keyed {@code source:event_id} with
 * {@link ReceivedEvent} values, and progress marks) and forwards the events only. Its release time is
 * the newest mark or the largest event time it has seen minus the reorder delay, whichever is later
 * (the marks carry the idle wall-clock rule). An event already due when it arrives (later than the
 * delay) is released at once and never stored.
 *
 * <p>Owns the persistent key-value store {@link StoreNames#REORDER} (no record cache), which holds
 * where the waiting events are, not the events: <em>chunks</em> of up to {@link #CHUNK} entries in
 * arrival order, each entry an event's time and its offset in the task's partition of
 * {@link Topics#RAW}; key a chunk number. A chunk is written when it is full, and the one being filled
 * right before each commit ({@link CommitHook} {@link StoreNames#REORDER_COMMIT}); a chunk is deleted
 * once all its events left. So the buffer costs its changelog about two small records per
 * {@value #CHUNK} events and one per commit, and the envelopes are written once, to
 * {@link Topics#ORDERED}. (Not the record cache: a thread's cache evicts from the store it was just
 * put to whenever the put leaves it over its size, which a cache full of counter rows always is, and
 * the chunk was written anew with almost every event.) Key {@link #RELEASED} holds the release time,
 * written before each commit too: every stored event at or before it has left, so a restart skips
 * those in the chunks it reloads. A sorted copy in memory, with the events themselves, answers "what is due"; when a task
 * starts with events waiting, it is rebuilt from the store and the waiting events are read back from
 * {@link Topics#RAW} by offset ({@link RawRecords}), and the release time then starts from the newest
 * buffered event's.
 */
public final class ReorderProcessor implements Processor<String, ReceivedEvent, String, ReceivedEvent> {

    /** Events per chunk of the store. */
    static final int CHUNK = 128;
    /** Bytes per event in a chunk: its event time and its offset in the raw partition. */
    private static final int ENTRY = 2 * Long.BYTES;
    /** The store key of the release time. */
    static final long RELEASED = Long.MIN_VALUE;

    /** A waiting event and the chunk it is stored in. */
    private record Waiting(ReceivedEvent event, long chunk) {
    }

    private final long delay;
    private final Function<Map<String, Object>, RawRecords> raw;
    private ProcessorContext<String, ReceivedEvent> context;
    private KeyValueStore<Long, byte[]> store;
    private final TreeMap<Bytes, Waiting> pending = new TreeMap<>();
    /** Per stored chunk, how many of its events still wait. */
    private final Map<Long, Integer> waitingIn = new HashMap<>();
    // Set in init: Kafka Streams initialises the same instance again to revive a task.
    private long newestEvent;
    private long lastMark;
    private long released;
    private long openChunk;
    private byte[] open;
    private int openEvents;
    /** Whether the open chunk, or the release time, changed since it was last written. */
    private boolean openChanged;
    private boolean releasedChanged;

    /** @param raw reads waiting events back from {@link Topics#RAW} when a task starts, given the application's configuration */
    ReorderProcessor(final Duration delay, final Function<Map<String, Object>, RawRecords> raw) {
        this.delay = delay.toMillis();
        this.raw = raw;
    }

    public static ProcessorSupplier<String, ReceivedEvent, String, ReceivedEvent> supplier(final Duration delay, final StoreKind stores) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, ReceivedEvent, String, ReceivedEvent> get() {
                return new ReorderProcessor(delay, RawRecords::fromKafka);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(stores.uncachedKeyValue(StoreNames.REORDER, Serdes.Long(), Serdes.ByteArray()),
                        CommitHook.builder(StoreNames.REORDER_COMMIT));
            }
        };
    }

    @Override
    public void init(final ProcessorContext<String, ReceivedEvent> context) {
        // Kafka Streams initialises the same instance again when it revives a task after an aborted transaction:
        // everything in memory is rebuilt from the store, as at a first start.
        pending.clear();
        waitingIn.clear();
        newestEvent = Long.MIN_VALUE;
        lastMark = Long.MIN_VALUE;
        open = new byte[CHUNK * ENTRY];
        openEvents = 0;
        openChanged = false;
        releasedChanged = false;
        this.context = context;
        this.store = context.getStateStore(StoreNames.REORDER);
        final CommitHook commit = context.getStateStore(StoreNames.REORDER_COMMIT);
        commit.beforeCommit(this::writeDown);
        final byte[] releasedAt = store.get(RELEASED);
        released = releasedAt == null ? Long.MIN_VALUE : ByteBuffer.wrap(releasedAt).getLong();
        long lastChunk = -1;
        // Offset in the raw partition -> the chunk holding the event and its event time, for the events still waiting.
        final TreeMap<Long, long[]> waiting = new TreeMap<>();
        try (KeyValueIterator<Long, byte[]> it = store.all()) {
            while (it.hasNext()) {
                final KeyValue<Long, byte[]> chunk = it.next();
                if (chunk.key != RELEASED) {
                    lastChunk = Math.max(lastChunk, chunk.key);
                    waitingIn.put(chunk.key, 0);
                    final ByteBuffer in = ByteBuffer.wrap(chunk.value);
                    while (in.hasRemaining()) {
                        final long eventTime = in.getLong();
                        final long offset = in.getLong();
                        if (eventTime > released) {
                            waiting.put(offset, new long[] {chunk.key, eventTime});
                        }
                    }
                }
            }
        }
        if (!waiting.isEmpty()) {
            reload(waiting);
        }
        waitingIn.entrySet().removeIf(chunk -> {
            if (chunk.getValue() == 0) {
                store.put(chunk.getKey(), null);
                return true;
            }
            return false;
        });
        openChunk = lastChunk + 1;
        if (!pending.isEmpty()) {
            newestEvent = eventTime(pending.lastKey());
        }
    }

    /** Reads the waiting events back from the task's raw partition and puts them into {@link #pending}. */
    private void reload(final TreeMap<Long, long[]> waiting) {
        final Map<Long, byte[]> records = raw.apply(context.appConfigs()).read(context.taskId().partition(), waiting.navigableKeySet());
        waiting.forEach((offset, chunkAndTime) -> {
            final byte[] json = records.get(offset);
            if (json != null) {
                final ReceivedEvent event = ReceivedEvent.SERDE.deserializer().deserialize(Topics.RAW.name(), json);
                wait(bufferKey(chunkAndTime[1], event.envelope().receivedAt().toEpochMilli(), event.key()), event, chunkAndTime[0]);
            }
        });
    }

    @Override
    public void process(final Record<String, ReceivedEvent> record) {
        if (WatermarkProcessor.isProgressMark(record)) {
            lastMark = Math.max(lastMark, record.timestamp());
            release();
            return;
        }
        newestEvent = Math.max(newestEvent, record.timestamp());
        if (record.timestamp() <= releaseUpTo() && !pending.containsKey(key(record))) {
            // Later than the delay: it leaves at once, never stored, after whatever else is due.
            release();
            context.forward(record);
            return;
        }
        store(record);
        release();
    }

    /** Appends the event to the open chunk; a full chunk is written at once. */
    private void store(final Record<String, ReceivedEvent> record) {
        final RecordMetadata from = context.recordMetadata()
                .filter(m -> Topics.RAW.name().equals(m.topic()))
                .orElseThrow(() -> new IllegalStateException("the reorder buffer takes events as they are read from " + Topics.RAW.name()));
        ByteBuffer.wrap(open, openEvents * ENTRY, ENTRY).putLong(record.timestamp()).putLong(from.offset());
        openEvents++;
        openChanged = true;
        wait(key(record), record.value(), openChunk);
        if (openEvents == CHUNK) {
            writeOpenChunk();
            openNextChunk();
        }
    }

    /** Right before each commit: the open chunk and the release time, if they changed since last written. */
    void writeDown() {
        if (openChanged) {
            writeOpenChunk();
        }
        if (releasedChanged) {
            store.put(RELEASED, ByteBuffer.allocate(Long.BYTES).putLong(released).array());
            releasedChanged = false;
        }
    }

    private void writeOpenChunk() {
        store.put(openChunk, Arrays.copyOf(open, openEvents * ENTRY));
        openChanged = false;
    }

    private void openNextChunk() {
        openChunk++;
        open = new byte[CHUNK * ENTRY];
        openEvents = 0;
        openChanged = false;
    }

    private void wait(final Bytes key, final ReceivedEvent event, final long chunk) {
        waitingIn.merge(chunk, 1, Integer::sum);
        final Waiting replaced = pending.put(key, new Waiting(event, chunk));
        if (replaced != null) {
            left(replaced.chunk()); // the same delivery again (after its dedupe horizon): it leaves once
        }
    }

    /** Forwards, oldest first, every waiting event that is due, and notes the release time. */
    private void release() {
        final long releaseUpTo = releaseUpTo();
        boolean any = false;
        while (!pending.isEmpty() && eventTime(pending.firstKey()) <= releaseUpTo) {
            final Map.Entry<Bytes, Waiting> entry = pending.pollFirstEntry();
            final ReceivedEvent event = entry.getValue().event();
            context.forward(new Record<>(event.key(), event, eventTime(entry.getKey())));
            left(entry.getValue().chunk());
            any = true;
        }
        if (any && releaseUpTo > released) {
            released = releaseUpTo;
            releasedChanged = true;
        }
    }

    /** One event of {@code chunk} left: the chunk is deleted once none waits, and a new one is opened if it was the open one. */
    private void left(final long chunk) {
        final int waiting = waitingIn.merge(chunk, -1, Integer::sum);
        if (waiting > 0) {
            return;
        }
        waitingIn.remove(chunk);
        store.put(chunk, null);
        if (chunk == openChunk) {
            openNextChunk();
        }
    }

    private long releaseUpTo() {
        final long byEvents = newestEvent == Long.MIN_VALUE ? Long.MIN_VALUE : newestEvent - delay;
        return Math.max(byEvents, lastMark);
    }

    private static Bytes key(final Record<String, ReceivedEvent> record) {
        return bufferKey(record.timestamp(), record.value().envelope().receivedAt().toEpochMilli(), record.key());
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
