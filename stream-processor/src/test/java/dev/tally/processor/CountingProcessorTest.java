package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.StoreBuilder;
import org.junit.jupiter.api.Test;

import dev.tally.config.ConfigFile;
import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.KeyCounts;
import dev.tally.schemas.Topics;

/**
 * A counting stage on its own with in-memory stores: its time follows the slowest upstream
 * partition's watermark, each window's final is emitted exactly once across restarts, and closed
 * windows that move out of a row stay readable.
 */
class CountingProcessorTest {

    private static final long T0 = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();

    private final ProcessorConfig config = ProcessorConfig.from(ConfigFile.parse("CountingProcessorTest", """
            processor:
              counters: [{name: c, group_by: [source], windows: [1m], grace: 0s}]
            """), Map.of());
    private final Counter counter = config.counters().get(0);
    private final CountingStage stage = CountingStage.of(config.counters()).get(0);
    private final Map<String, StateStore> stores = new HashMap<>();
    private final List<CountUpdate> finals = new ArrayList<>();

    @Test
    void shouldEmitEveryFinalExactlyOnceAcrossRestarts() {
        Run context = start(1);
        CountingProcessor counting = initialised(context, Duration.ZERO, 1);
        send(counting, event("e1", 0, T0 + 10_000));
        send(counting, event("e2", 0, T0 + 20_000));
        send(counting, event("e3", 0, T0 + 70_000));   // closes [T0, T0+1m)
        send(counting, event("e4", 0, T0 + 80_000));   // closes nothing
        collectFinals(context);

        context = start(1);                             // restart on the same stores: the open window is rebuilt from the rows
        counting = initialised(context, Duration.ZERO, 1);
        send(counting, event("e5", 0, T0 + 130_000));  // closes [T0+1m, T0+2m): e3, e4
        collectFinals(context);

        context = start(1);                             // restart, then no more events: a progress mark closes the last window
        counting = initialised(context, Duration.ZERO, 1);
        send(counting, mark(0, T0 + 180_000));
        collectFinals(context);

        assertThat(finals).extracting(f -> f.windowStart().toEpochMilli() - T0, CountUpdate::count)
                .containsExactly(tuple(0L, 2L), tuple(60_000L, 2L), tuple(120_000L, 1L));
    }

    @Test
    void shouldForgetWhatItCountedSinceTheLastCommitWhenInitialisedAgainAfterAnAbortedTransaction() {
        final Run context = start(1);
        final CountingProcessor counting = initialised(context, Duration.ZERO, 1);
        send(counting, event("e1", 0, T0 + 10_000));
        commit();
        send(counting, event("e2", 0, T0 + 20_000));   // its transaction is aborted: not committed

        // Kafka Streams revives the task on the same instance, stores as of the last commit, and sends e2 again.
        final Run revived = revive(1);
        counting.init(revived.context(), (emitted, timestamp) -> revived.emitted().add(emitted));
        send(counting, event("e2", 0, T0 + 20_000));
        commit();
        assertThat(emitted(revived, Topics.COUNT_UPDATES)).extracting(u -> ((KeyCounts) u).total()).containsExactly(2L);
    }

    @Test
    void shouldCountAnEventFromTheSlowestPartitionThatTheFastestHasLongPassed() {
        final Run context = start(2);
        final CountingProcessor counting = initialised(context, Duration.ZERO, 2);
        send(counting, event("p1-first", 1, T0 + 5_000));
        // Partition 0 is worked off first (a replay): five minutes of event time ahead of partition 1.
        for (int i = 0; i < 5; i++) {
            send(counting, event("p0-" + i, 0, T0 + i * 60_000L + 30_000));
        }
        send(counting, event("p1-second", 1, T0 + 50_000));

        assertThat(emitted(context, Topics.LATE)).as("no window closed while partition 1 was behind").isEmpty();
        assertThat(emitted(context, Topics.COUNT_FINAL)).as("nor was any final emitted").isEmpty();

        // Partition 1 catches up to 2:00; its progress mark closes the windows up to there.
        send(counting, mark(1, T0 + 120_000));
        collectFinals(context);
        assertThat(finals).extracting(f -> f.windowStart().toEpochMilli() - T0, CountUpdate::count)
                .containsExactly(tuple(0L, 3L), tuple(60_000L, 1L));
    }

    @Test
    void shouldNotMoveItsTimeUntilEveryPartitionWasHeardFromNorReopenAClosedWindowAfterARestart() {
        Run context = start(3);
        CountingProcessor counting = initialised(context, Duration.ZERO, 3);
        send(counting, event("a", 0, T0 + 10_000));
        send(counting, mark(1, T0 + 200_000));
        assertThat(emitted(context, Topics.COUNT_FINAL)).as("partition 2 has not been heard from").isEmpty();
        send(counting, mark(2, T0 + 200_000));
        send(counting, mark(0, T0 + 90_000));
        collectFinals(context);
        assertThat(finals).extracting(f -> f.windowStart().toEpochMilli() - T0).containsExactly(0L);

        // After a restart the stage's time is at least where the last window closed: an event of a window
        // whose final was emitted is late, not counted in it again.
        context = start(3);
        counting = initialised(context, Duration.ZERO, 3);
        send(counting, event("b", 0, T0 + 20_000));
        assertThat(emitted(context, Topics.LATE)).hasSize(1);
    }

    @Test
    void shouldTakeAnEventsTimeLessTheReorderDelayAsItsPartitionsWatermark() {
        final Run context = start(1);
        final CountingProcessor counting = initialised(context, Duration.ofSeconds(5), 1);
        send(counting, event("a", 0, T0 + 10_000));
        send(counting, event("b", 0, T0 + 64_000));   // watermark 59 s: the first minute is still open
        send(counting, event("c", 0, T0 + 59_000));   // counted in it
        assertThat(emitted(context, Topics.COUNT_FINAL)).isEmpty();
        send(counting, event("d", 0, T0 + 65_000));   // watermark 60 s: closed
        collectFinals(context);

        assertThat(finals).extracting(f -> f.windowStart().toEpochMilli() - T0, CountUpdate::count).containsExactly(tuple(0L, 2L));
        assertThat(emitted(context, Topics.COUNT_UPDATES)).as("the latest counts leave right before the commit").isEmpty();
        commit();
        assertThat(emitted(context, Topics.COUNT_UPDATES)).as("one record per changed key and counter, with the windows open at the commit")
                .containsExactly(new KeyCounts("c", "shop", 4,
                        List.of(new KeyCounts.Window("1m", Instant.ofEpochMilli(T0 + 60_000), Instant.ofEpochMilli(T0 + 120_000), 2))));
        send(counting, event("e", 0, T0 + 66_000));
        commit();
        commit();
        assertThat(emitted(context, Topics.COUNT_UPDATES)).as("a commit with nothing changed writes nothing").hasSize(2)
                .last().extracting(u -> ((KeyCounts) u).total()).isEqualTo(5L);
    }

    @Test
    void shouldKeepEveryWindowReadableWhenClosedOnesMoveOutOfTheRow() {
        final Run context = start(1);
        final CountingProcessor counting = initialised(context, Duration.ZERO, 1);
        final int minutes = 3 * KeyRow.KEEP_CLOSED;
        for (int m = 0; m < minutes; m++) {
            for (int i = 0; i <= m % 3; i++) {
                send(counting, event("e" + m + "-" + i, 0, T0 + m * 60_000L + i * 1_000));
            }
        }

        commit();
        @SuppressWarnings("unchecked")
        final KeyRow row = ((org.apache.kafka.streams.state.KeyValueStore<String, KeyRow>) stores.get(StoreNames.rows(stage))).get("shop");
        assertThat(row.find("c").find(60_000).n).as("the row keeps a bounded number of closed windows")
                .isLessThanOrEqualTo(KeyRow.KEEP_CLOSED + 1);
        final List<CounterState.Window> windows = new CounterState(config).windows(counter, Duration.ofMinutes(1), "shop",
                Instant.ofEpochMilli(T0), Instant.ofEpochMilli(T0 + minutes * 60_000L), new MockStores());
        assertThat(windows).hasSize(minutes);
        for (int m = 0; m < minutes; m++) {
            assertThat(windows.get(m).start()).isEqualTo(Instant.ofEpochMilli(T0 + m * 60_000L));
            assertThat(windows.get(m).count()).as("minute " + m).isEqualTo(m % 3 + 1);
            assertThat(windows.get(m).isFinal()).isEqualTo(m < minutes - 1);
        }
    }

    /** One start of the stage: its context (for the stores) and what it emitted. */
    private record Run(MockProcessorContext<String, Emitted> context, List<Emitted> emitted) {
    }

    private CountingProcessor initialised(final Run context, final Duration delay, final int upstreamPartitions) {
        final CountingProcessor counting = new CountingProcessor(stage, delay, Duration.ofDays(1), upstreamPartitions);
        counting.init(context.context(), (emitted, timestamp) -> context.emitted().add(emitted));
        return counting;
    }

    /** What Kafka Streams does right before a commit: the stage writes its changed rows down. */
    private void commit() {
        ((CommitHook) stores.get(StoreNames.commit(stage))).flushCache();
    }

    /** Starts the stage; on stores of an earlier start, after that one's last commit (a clean restart). */
    private Run start(final int upstreamPartitions) {
        if (!stores.isEmpty()) {
            commit();
        }
        return revive(upstreamPartitions);
    }

    /** Starts the stage on the stores as they are: as of the last commit, after an aborted transaction. */
    private Run revive(final int upstreamPartitions) {
        if (stores.isEmpty()) {
            for (StoreBuilder<?> builder : CountingProcessor.supplier(stage, Duration.ZERO, Duration.ofDays(1), upstreamPartitions,
                    StoreKind.MEMORY).stores()) {
                final StateStore store = builder.withCachingDisabled().withLoggingDisabled().build();
                stores.put(store.name(), store);
            }
        }
        final MockProcessorContext<String, Emitted> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(T0);
        for (StateStore store : stores.values()) {
            if (store instanceof OpenWindows && store.isOpen()) {
                store.close(); // in memory only: a restarted task gets an empty one and rebuilds it
            }
            if (!store.isOpen()) {
                store.init(context.getStateStoreContext(), store);
            }
            context.addStateStore(store);
        }
        return new Run(context, new ArrayList<>());
    }

    /** The stores as the query API would read them. */
    private final class MockStores implements CounterState.Stores {
        @Override
        @SuppressWarnings("unchecked")
        public <T> T get(final String storeName, final QueryableStoreType<T> type) {
            return (T) stores.get(storeName);
        }
    }

    private void collectFinals(final Run context) {
        context.emitted().stream().filter(e -> e.topic().equals(Topics.COUNT_FINAL.name()))
                .forEach(e -> finals.add((CountUpdate) e.value()));
    }

    private static List<Object> emitted(final Run context, final Topics.Topic<?, ?> topic) {
        return context.emitted().stream().filter(e -> e.topic().equals(topic.name())).map(Emitted::value).toList();
    }

    /** Sends one record into the stage. */
    private static void send(final CountingProcessor counting, final Record<String, CountEvent> record) {
        counting.process(record.key(), record.value(), record.timestamp());
    }

    private static Record<String, CountEvent> event(final String id, final int upstream, final long eventTime) {
        return new Record<>("shop", new CountEvent("shop", id, upstream, List.of(new CountEvent.Counted("c", 1))), eventTime);
    }

    private static Record<String, CountEvent> mark(final int upstream, final long time) {
        return new Record<>(KeyByGroup.MARK_KEY, CountEvent.progress(upstream), time);
    }
}
