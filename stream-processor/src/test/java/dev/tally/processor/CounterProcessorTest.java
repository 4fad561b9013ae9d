package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.junit.jupiter.api.Test;

import dev.tally.config.ConfigFile;
import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Topics;

/**
 * The counter stage's time and finals, on its own with in-memory stores: its time follows the slowest
 * upstream partition, and each window's final is emitted exactly once across restarts.
 */
class CounterProcessorTest {

    private static final long T0 = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();

    private final Counter counter = ProcessorConfig.from(ConfigFile.parse("CounterProcessorRestartTest", """
            processor:
              counters: [{name: c, group_by: [source], windows: [1m], grace: 0s}]
            """), Map.of()).counters().get(0);
    private final List<StateStore> stores = new ArrayList<>();
    private final List<CountUpdate> finals = new ArrayList<>();

    @Test
    void shouldEmitEveryFinalExactlyOnceAcrossRestarts() {
        MockProcessorContext<String, Emitted> context = start(1);
        CounterProcessor stage = initialised(context, 1);
        stage.process(event("e1", 0, T0 + 10_000));
        stage.process(event("e2", 0, T0 + 20_000));
        stage.process(event("e3", 0, T0 + 70_000));   // closes [T0, T0+1m)
        stage.process(event("e4", 0, T0 + 80_000));   // closes nothing: the mark stays where e3 put it
        collectFinals(context);

        context = start(1);                             // restart on the same stores
        stage = initialised(context, 1);
        stage.process(event("e5", 0, T0 + 130_000));  // closes [T0+1m, T0+2m): e3, e4
        collectFinals(context);

        context = start(1);                             // restart, then no more events: a progress mark closes the last window
        stage = initialised(context, 1);
        stage.process(mark(0, T0 + 180_000));
        collectFinals(context);

        assertThat(finals).extracting(f -> f.windowStart().toEpochMilli() - T0, CountUpdate::count)
                .containsExactly(tuple(0L, 2L), tuple(60_000L, 2L),
                        tuple(120_000L, 1L));
    }

    @Test
    void shouldCountAnEventFromTheSlowestPartitionThatTheFastestHasLongPassed() {
        final MockProcessorContext<String, Emitted> context = start(2);
        final CounterProcessor stage = initialised(context, 2);
        stage.process(event("p1-first", 1, T0 + 5_000));
        // Partition 0 is worked off first (a replay): five minutes of event time ahead of partition 1.
        for (int i = 0; i < 5; i++) {
            stage.process(event("p0-" + i, 0, T0 + i * 60_000L + 30_000));
        }
        stage.process(event("p1-second", 1, T0 + 50_000));

        assertThat(emitted(context, Topics.LATE)).as("no window closed while partition 1 was behind").isEmpty();
        assertThat(emitted(context, Topics.COUNT_FINAL)).as("nor was any final emitted").isEmpty();

        // Partition 1 catches up to 2:00; its progress mark closes the windows up to there.
        stage.process(mark(1, T0 + 120_000));
        collectFinals(context);
        assertThat(finals).extracting(f -> f.windowStart().toEpochMilli() - T0, CountUpdate::count)
                .containsExactly(tuple(0L, 3L), tuple(60_000L, 1L));
    }

    @Test
    void shouldNotMoveItsTimeUntilEveryPartitionWasHeardFromNorReopenAClosedWindowAfterARestart() {
        MockProcessorContext<String, Emitted> context = start(3);
        CounterProcessor stage = initialised(context, 3);
        stage.process(event("a", 0, T0 + 10_000));
        stage.process(mark(1, T0 + 200_000));
        assertThat(emitted(context, Topics.COUNT_FINAL)).as("partition 2 has not been heard from").isEmpty();
        stage.process(mark(2, T0 + 200_000));
        stage.process(mark(0, T0 + 90_000));
        collectFinals(context);
        assertThat(finals).extracting(f -> f.windowStart().toEpochMilli() - T0).containsExactly(0L);

        // After a restart the stage's time is at least where the last window closed: an event of a window
        // whose final was emitted is late, not counted in it again.
        context = start(3);
        stage = initialised(context, 3);
        stage.process(event("b", 0, T0 + 20_000));
        assertThat(emitted(context, Topics.LATE)).hasSize(1);
    }

    private CounterProcessor initialised(final MockProcessorContext<String, Emitted> context, final int upstreamPartitions) {
        final CounterProcessor stage = new CounterProcessor(counter, upstreamPartitions);
        stage.init(context);
        return stage;
    }

    private MockProcessorContext<String, Emitted> start(final int upstreamPartitions) {
        if (stores.isEmpty()) {
            for (StoreBuilder<?> builder : CounterProcessor.supplier(counter, Duration.ofDays(1), upstreamPartitions, StoreKind.MEMORY).stores()) {
                stores.add(builder.withCachingDisabled().withLoggingDisabled().build());
            }
        }
        final MockProcessorContext<String, Emitted> context = new MockProcessorContext<>();
        for (StateStore store : stores) {
            if (!store.isOpen()) {
                store.init(context.getStateStoreContext(), store);
            }
            context.addStateStore(store);
        }
        return context;
    }

    private void collectFinals(final MockProcessorContext<String, Emitted> context) {
        context.forwarded().stream().map(f -> f.record().value())
                .filter(e -> e.topic().equals(Topics.COUNT_FINAL.name()))
                .forEach(e -> finals.add((CountUpdate) e.value()));
    }

    private static List<Object> emitted(final MockProcessorContext<String, Emitted> context, final Topics.Topic<?, ?> topic) {
        return context.forwarded().stream().map(f -> f.record().value())
                .filter(e -> e.topic().equals(topic.name())).map(Emitted::value).toList();
    }

    private static Record<String, CountEvent> event(final String id, final int upstream, final long eventTime) {
        return new Record<>("shop", new CountEvent("shop", id, 1L, upstream), eventTime);
    }

    private static Record<String, CountEvent> mark(final int upstream, final long time) {
        return new Record<>(KeyByGroup.MARK_KEY, CountEvent.progress(upstream), time);
    }
}
