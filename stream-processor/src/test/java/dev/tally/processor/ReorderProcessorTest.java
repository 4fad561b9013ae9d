package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SortedSet;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import dev.tally.schemas.Topics;

/**
 * The {@code events.ordered} branch: events leave in event-time order once the newest event time
 * less the delay, or a progress mark, has passed them; across a restart, what was buffered is
 * released by the marks alone, even when no new event ever arrives on that partition.
 */
class ReorderProcessorTest {

    private static final Duration DELAY = Duration.ofSeconds(5);
    private static final int PARTITION = 2;
    private static final long T0 = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();

    /** The task's partition of webhooks.raw: what the stages were fed, by offset, for reading back. */
    private final RawPartition raw = new RawPartition();

    @Test
    void shouldReleaseWhatWasBufferedBeforeARestartWithoutNewEvents() {
        final KeyValueStore<Long, byte[]> store = store();

        final MockProcessorContext<String, ReceivedEvent> before = context(store, T0);
        final ReorderProcessor first = start(before);
        raw.feed(first, record("b", T0 + 200));
        raw.feed(first, record("a", T0 + 100));
        assertThat(events(before)).as("both wait out the reorder delay").isEmpty();
        commit(before);

        // The process dies after the commit; a new instance of the stage starts on the same (restored) store. No new event
        // arrives: the partition's watermark follows the wall clock and its marks release the buffer.
        final MockProcessorContext<String, ReceivedEvent> after = context(store, T0 + 1_000);
        final ReorderProcessor second = start(after);
        second.process(mark(T0 + 150));
        assertThat(events(after)).extracting(r -> r.value().envelope().eventId()).containsExactly("a");
        second.process(mark(T0 + 120));   // an older mark changes nothing
        second.process(mark(T0 + 200));

        final List<String> released = events(after).stream().map(r -> r.value().envelope().eventId()).toList();
        assertThat(released).as("released oldest first, each once").containsExactly("a", "b");
        assertThat(raw.reads).as("the waiting events read back from the raw topic once, at the restart").isEqualTo(1);
        assertThat(events(after)).extracting(Record::timestamp).containsExactly(T0 + 100, T0 + 200);
        assertThat(chunks(store)).as("no chunk is left once everything left").isEmpty();
    }

    @Test
    void shouldReleaseAnEventLaterThanTheDelayAtOnceWithoutKeepingItInTheStore() {
        final KeyValueStore<Long, byte[]> store = store();
        final MockProcessorContext<String, ReceivedEvent> before = context(store, T0);
        final ReorderProcessor first = start(before);
        raw.feed(first, record("new", T0 + 10_000));
        raw.feed(first, record("late", T0));

        assertThat(events(before)).extracting(r -> r.value().envelope().eventId()).containsExactly("late");
        commit(before);
        assertThat(chunks(store)).as("only the event still waiting is stored: its event time and raw offset, not the event")
                .singleElement().isEqualTo(ByteBuffer.allocate(16).putLong(T0 + 10_000).putLong(0).array());

        // Restarted on the same store: only the waiting event comes out, the late one not a second time.
        final MockProcessorContext<String, ReceivedEvent> after = context(store, T0 + 1_000);
        start(after).process(mark(T0 + 30_000));
        assertThat(events(after)).extracting(r -> r.value().envelope().eventId()).containsExactly("new");
    }

    @Test
    void shouldNotReleaseAgainAfterARestartWhatLeftBeforeIt() {
        final KeyValueStore<Long, byte[]> store = store();
        final MockProcessorContext<String, ReceivedEvent> before = context(store, T0);
        final ReorderProcessor first = start(before);
        raw.feed(first, record("a", T0 + 100));
        raw.feed(first, record("b", T0 + 200));
        raw.feed(first, record("c", T0 + 300));
        first.process(mark(T0 + 150));
        assertThat(events(before)).extracting(r -> r.value().envelope().eventId()).containsExactly("a");
        commit(before);
        assertThat(chunks(store)).as("one chunk holds all three, a among them").hasSize(1);

        final MockProcessorContext<String, ReceivedEvent> after = context(store, T0 + 1_000);
        start(after).process(mark(T0 + 1_000));
        assertThat(events(after)).extracting(r -> r.value().envelope().eventId()).containsExactly("b", "c");
        assertThat(chunks(store)).isEmpty();
    }

    @Test
    void shouldHoldOnlyWhatWasCommittedWhenInitialisedAgainAfterAnAbortedTransaction() {
        final KeyValueStore<Long, byte[]> store = store();
        final MockProcessorContext<String, ReceivedEvent> before = context(store, T0);
        final ReorderProcessor stage = start(before);
        raw.feed(stage, record("a", T0 + 100));
        commit(before);
        raw.feed(stage, record("b", T0 + 10_000));   // its transaction is aborted: b had not happened

        // Kafka Streams revives the task on the same instance, with the store as of the last commit.
        final MockProcessorContext<String, ReceivedEvent> after = context(store, T0 + 1_000);
        initialise(stage, after);
        raw.feed(stage, record("c", T0 + 200));
        assertThat(events(after)).as("nothing is due yet: b's event time is forgotten with its transaction").isEmpty();
        stage.process(mark(T0 + 1_000));
        assertThat(events(after)).extracting(r -> r.value().envelope().eventId()).containsExactly("a", "c");
        commit(after);
        assertThat(chunks(store)).as("nothing waits, so nothing is stored").isEmpty();
    }

    @Test
    void shouldKeepTheBufferInChunksOfEventsNotOneEntryPerEvent() {
        final KeyValueStore<Long, byte[]> store = store();
        final MockProcessorContext<String, ReceivedEvent> context = context(store, T0);
        final ReorderProcessor stage = start(context);
        final int events = 3 * ReorderProcessor.CHUNK + 5;
        for (int i = 0; i < events; i++) {
            raw.feed(stage, record("e" + i, T0 + (i * 7919L) % 1000));   // shuffled within a second
        }
        assertThat(chunks(store)).as("each full chunk written at once").hasSize(3);
        commit(context);
        assertThat(chunks(store)).as("and the one being filled before the commit").hasSize(4);
        assertThat(raw.reads).as("nothing read back while the task runs").isZero();
        stage.process(mark(T0 + 10_000));
        assertThat(events(context)).extracting(Record::timestamp).hasSize(events).isSorted();
        assertThat(chunks(store)).isEmpty();
    }

    @Test
    void shouldWriteTheChunkBeingFilledOnceBeforeEachCommitNotWithEveryEvent() {
        final KeyValueStore<Long, byte[]> store = store();
        final MockProcessorContext<String, ReceivedEvent> context = context(store, T0);
        final ReorderProcessor stage = start(context);
        for (int i = 0; i < 5; i++) {
            raw.feed(stage, record("e" + i, T0 + i));
        }
        assertThat(chunks(store)).as("nothing written while the chunk fills").isEmpty();
        commit(context);
        assertThat(chunks(store)).as("five entries of 16 bytes").singleElement().extracting(chunk -> chunk.length).isEqualTo(80);
        for (int i = 5; i < 8; i++) {
            raw.feed(stage, record("e" + i, T0 + i));
        }
        assertThat(chunks(store)).singleElement().extracting(chunk -> chunk.length).isEqualTo(80);
        commit(context);
        assertThat(chunks(store)).singleElement().extracting(chunk -> chunk.length).isEqualTo(128);
        commit(context);
        assertThat(chunks(store)).singleElement().extracting(chunk -> chunk.length).isEqualTo(128);
    }

    /** What Kafka Streams does right before the task's commit: the hook writes the buffer down. */
    private static void commit(final MockProcessorContext<String, ReceivedEvent> context) {
        final CommitHook hook = context.getStateStore(StoreNames.REORDER_COMMIT);
        hook.flushCache();
    }

    /** The stored chunks (the release time left out). */
    private static List<byte[]> chunks(final KeyValueStore<Long, byte[]> store) {
        final List<byte[]> chunks = new java.util.ArrayList<>();
        try (var it = store.all()) {
            it.forEachRemaining(e -> {
                if (e.key != ReorderProcessor.RELEASED) {
                    chunks.add(e.value);
                }
            });
        }
        return chunks;
    }

    @Test
    void shouldLeaveOutOnlyTheWaitingEventsTheRawTopicNoLongerHoldsAfterARestart() {
        final KeyValueStore<Long, byte[]> store = store();
        final MockProcessorContext<String, ReceivedEvent> before = context(store, T0);
        final ReorderProcessor first = start(before);
        raw.feed(first, record("a", T0 + 100));
        raw.feed(first, record("b", T0 + 200));
        commit(before);
        raw.deleted.add(0L);   // a's record fell out of the topic's retention while the processor was down

        final MockProcessorContext<String, ReceivedEvent> after = context(store, T0 + 1_000);
        start(after).process(mark(T0 + 1_000));
        assertThat(events(after)).extracting(r -> r.value().envelope().eventId()).containsExactly("b");
        assertThat(chunks(store)).isEmpty();
    }

    /** A stage on {@code context}, initialised, reading back from {@link #raw}. */
    private ReorderProcessor start(final MockProcessorContext<String, ReceivedEvent> context) {
        return initialise(new ReorderProcessor(DELAY, configs -> raw), context);
    }

    /** Initialises {@code stage} (again) on {@code context}. */
    private ReorderProcessor initialise(final ReorderProcessor stage, final MockProcessorContext<String, ReceivedEvent> context) {
        stage.init(context);
        raw.contexts.put(stage, context);
        return stage;
    }

    /** One partition of webhooks.raw as the stages see it: each event fed gets the next offset. */
    private static final class RawPartition implements RawRecords {
        final Map<Long, byte[]> log = new HashMap<>();
        final Set<Long> deleted = new HashSet<>();
        final Map<ReorderProcessor, MockProcessorContext<String, ReceivedEvent>> contexts = new HashMap<>();
        int reads;

        /** Processes {@code record} as read from the next offset of the partition. */
        void feed(final ReorderProcessor stage, final Record<String, ReceivedEvent> record) {
            final long offset = log.size();
            log.put(offset, record.value().json());
            contexts.get(stage).setRecordMetadata(Topics.RAW.name(), PARTITION, offset);
            stage.process(record);
        }

        @Override
        public Map<Long, byte[]> read(final int partition, final SortedSet<Long> offsets) {
            assertThat(partition).isEqualTo(PARTITION);
            reads++;
            final Map<Long, byte[]> found = new HashMap<>();
            offsets.stream().filter(o -> !deleted.contains(o)).forEach(o -> found.put(o, log.get(o)));
            return found;
        }
    }

    /** What the stage forwarded. */
    private static List<Record<? extends String, ? extends ReceivedEvent>> events(final MockProcessorContext<String, ReceivedEvent> context) {
        return context.forwarded().stream().<Record<? extends String, ? extends ReceivedEvent>>map(f -> f.record()).toList();
    }

    private static Record<String, ReceivedEvent> mark(final long watermark) {
        return new Record<>(null, null, watermark);
    }

    /** The stage's buffer as an in-memory store, kept across a simulated restart by passing it to both instances. */
    private static KeyValueStore<Long, byte[]> store() {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.REORDER), Serdes.Long(), Serdes.ByteArray())
                .withLoggingDisabled().build();
    }

    private static MockProcessorContext<String, ReceivedEvent> context(final KeyValueStore<Long, byte[]> store, final long wallNow) {
        final MockProcessorContext<String, ReceivedEvent> context = new MockProcessorContext<>(new Properties(),
                new TaskId(0, PARTITION), null);
        context.setCurrentSystemTimeMs(wallNow);
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        final CommitHook hook = CommitHook.builder(StoreNames.REORDER_COMMIT).build();
        hook.init(context.getStateStoreContext(), hook);
        context.addStateStore(hook);
        return context;
    }

    private static Record<String, ReceivedEvent> record(final String id, final long eventTime) {
        return WatermarkProcessorTest.record(id, eventTime);
    }
}
