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
 * The counter stage across restarts: each window's final is emitted exactly once, whether the window
 * closes by an event or by the wall clock, before or after a restart on the same (restored) stores.
 * The stage keeps how far finals went in memory and writes it to its clock store only when a window
 * closes; a restart must neither repeat a final nor skip one.
 */
class CounterProcessorRestartTest {

    private static final long T0 = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();
    private static final Duration IDLE_ADVANCE = Duration.ofSeconds(2);

    private final Counter counter = ProcessorConfig.from(ConfigFile.parse("CounterProcessorRestartTest", """
            processor:
              counters: [{name: c, group_by: [source], windows: [1m], grace: 0s}]
            """), Map.of()).counters().get(0);
    private final List<StateStore> stores = new ArrayList<>();
    private final List<CountUpdate> finals = new ArrayList<>();

    @Test
    void shouldEmitEveryFinalExactlyOnceAcrossRestarts() {
        for (StoreBuilder<?> builder : CounterProcessor.supplier(counter, Duration.ofDays(1), IDLE_ADVANCE, StoreKind.MEMORY).stores()) {
            stores.add(builder.withCachingDisabled().withLoggingDisabled().build());
        }

        MockProcessorContext<String, Emitted> context = start(T0);
        CounterProcessor stage = new CounterProcessor(counter, IDLE_ADVANCE);
        stage.init(context);
        stage.process(event("e1", T0 + 10_000));
        stage.process(event("e2", T0 + 20_000));
        stage.process(event("e3", T0 + 70_000));   // closes [T0, T0+1m)
        stage.process(event("e4", T0 + 80_000));   // closes nothing: the mark stays where e3 put it
        collectFinals(context);

        context = start(T0 + 90_000);               // restart on the same stores
        stage = new CounterProcessor(counter, IDLE_ADVANCE);
        stage.init(context);
        stage.process(event("e5", T0 + 130_000));  // closes [T0+1m, T0+2m): e3, e4
        collectFinals(context);

        context = start(T0 + 140_000);              // restart, then no more events: the wall clock closes the last window
        stage = new CounterProcessor(counter, IDLE_ADVANCE);
        stage.init(context);
        final var tick = context.scheduledPunctuators().get(0).getPunctuator();
        for (long wall = T0 + 140_000; wall <= T0 + 240_000; wall += IdleClock.TICK.toMillis()) {
            context.setCurrentSystemTimeMs(wall);
            tick.punctuate(wall);
        }
        collectFinals(context);

        assertThat(finals).extracting(f -> f.windowStart().toEpochMilli() - T0, CountUpdate::count)
                .containsExactly(tuple(0L, 2L), tuple(60_000L, 2L),
                        tuple(120_000L, 1L));
    }

    private MockProcessorContext<String, Emitted> start(final long wallNow) {
        final MockProcessorContext<String, Emitted> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(wallNow);
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

    private static Record<String, CountEvent> event(final String id, final long eventTime) {
        return new Record<>("shop", new CountEvent("shop", id, 1L), eventTime);
    }
}
