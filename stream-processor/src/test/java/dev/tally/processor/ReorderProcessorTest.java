package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/**
 * The reorder stage across a restart: what was buffered when the processor stopped is released by
 * the wall clock alone, even when no new event ever arrives on that partition.
 */
class ReorderProcessorTest {

    private static final Duration DELAY = Duration.ofSeconds(5);
    private static final Duration IDLE_ADVANCE = Duration.ofSeconds(2);
    private static final long T0 = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();

    @Test
    void shouldReleaseWhatWasBufferedBeforeARestartWithoutNewEvents() {
        final KeyValueStore<Bytes, ReceivedEvent> store = store();

        final MockProcessorContext<String, ReceivedEvent> before = context(store, T0);
        final ReorderProcessor first = start(before, InputBacklog.NONE);
        first.process(record("b", T0 + 200));
        first.process(record("a", T0 + 100));
        assertThat(events(before)).as("both wait out the reorder delay").isEmpty();

        // The process dies; a new instance of the stage starts on the same (restored) store.
        final long restartedAt = T0 + 1_000;
        final MockProcessorContext<String, ReceivedEvent> after = context(store, restartedAt);
        start(after, InputBacklog.NONE);
        final Punctuator tick = tick(after);
        // Restored to the newest buffered event (T0+200), idle after 2 s, 1 s behind the wall clock:
        // "a" (T0+100) is due when the clock reaches T0+5100, i.e. 5.9 s after the restart, not before.
        final long due = restartedAt + DELAY.toMillis() - 200 + 100 + IdleClock.LAG;
        for (long wall = restartedAt; wall <= restartedAt + 30_000; wall += IdleClock.TICK.toMillis()) {
            after.setCurrentSystemTimeMs(wall);
            tick.punctuate(wall);
            if (wall < due) {
                assertThat(events(after)).as("nothing before the reorder delay has passed, at wall " + (wall - restartedAt)).isEmpty();
            }
        }

        final List<String> released = events(after).stream().map(r -> r.value().envelope().eventId()).toList();
        assertThat(released).as("released oldest first, each once").containsExactly("a", "b");
        assertThat(events(after)).extracting(Record::timestamp).containsExactly(T0 + 100, T0 + 200);
        try (var it = store.all()) {
            assertThat(it.hasNext()).as("the buffer is empty once everything left").isFalse();
        }
    }

    @Test
    void shouldReleaseAnEventLaterThanTheDelayAtOnceWithoutKeepingItInTheStore() {
        final KeyValueStore<Bytes, ReceivedEvent> store = store();
        final MockProcessorContext<String, ReceivedEvent> before = context(store, T0);
        final ReorderProcessor first = start(before, InputBacklog.NONE);
        first.process(record("new", T0 + 10_000));
        first.process(record("late", T0));

        assertThat(events(before)).extracting(r -> r.value().envelope().eventId()).containsExactly("late");
        try (var it = store.all()) {
            assertThat(it.next().value.envelope().eventId()).isEqualTo("new");
            assertThat(it.hasNext()).as("only the event still waiting is stored").isFalse();
        }

        // Restarted on the same store: only the waiting event comes out, the late one not a second time.
        final MockProcessorContext<String, ReceivedEvent> after = context(store, T0 + 1_000);
        start(after, InputBacklog.NONE);
        final Punctuator tick = tick(after);
        for (long wall = T0 + 1_000; wall <= T0 + 30_000; wall += IdleClock.TICK.toMillis()) {
            after.setCurrentSystemTimeMs(wall);
            tick.punctuate(wall);
        }
        assertThat(events(after)).extracting(r -> r.value().envelope().eventId()).containsExactly("new");
    }

    @Test
    void shouldMarkHowFarItHasReleasedOnTicksWhereThatMoved() {
        final MockProcessorContext<String, ReceivedEvent> context = context(store(), T0);
        final ReorderProcessor stage = start(context, InputBacklog.NONE);
        final Punctuator tick = tick(context);
        stage.process(record("a", T0 + 10_000));
        tick.punctuate(T0);
        tick.punctuate(T0 + 500);                   // nothing moved since the last mark
        stage.process(record("b", T0 + 12_000));
        tick.punctuate(T0 + 1_000);

        assertThat(context.forwarded()).extracting(f -> f.record()).filteredOn(ReorderProcessor::isProgressMark)
                .extracting(Record::timestamp)
                .as("each mark is the newest event time seen minus the delay: nothing older will be released, except late arrivals")
                .containsExactly(T0 + 5_000, T0 + 7_000);
    }

    @Test
    void shouldFollowTheWallClockWhenItHasNeverSeenAnEvent() {
        final MockProcessorContext<String, ReceivedEvent> context = context(store(), T0);
        start(context, InputBacklog.NONE);
        final Punctuator tick = tick(context);
        for (long wall = T0; wall <= T0 + 3_000; wall += IdleClock.TICK.toMillis()) {
            context.setCurrentSystemTimeMs(wall);
            tick.punctuate(wall);
        }

        // An empty partition must not hold the counters back: from idle_advance after its first tick its
        // marks follow the wall clock, 1 s behind it, less the delay.
        assertThat(context.forwarded()).extracting(f -> f.record().timestamp())
                .containsExactly(T0 + 2_000 - IdleClock.LAG - DELAY.toMillis(), T0 + 2_500 - IdleClock.LAG - DELAY.toMillis(),
                        T0 + 3_000 - IdleClock.LAG - DELAY.toMillis());
    }

    @Test
    void shouldNotTakeAPartitionStillWaitingForItsFirstRecordsForEmpty() {
        final InputBacklog backlog = new InputBacklog();
        backlog.refresh(InputBacklogTest.lags(Topics.RAW.name(), 0, 5_000));   // a replay: records wait to be read
        final MockProcessorContext<String, ReceivedEvent> context = context(store(), T0);
        start(context, backlog);
        final Punctuator tick = tick(context);
        for (long wall = T0; wall <= T0 + 10_000; wall += IdleClock.TICK.toMillis()) {
            tick.punctuate(wall);
        }
        assertThat(context.forwarded()).as("no progress mark while the partition's records wait").isEmpty();

        backlog.refresh(InputBacklogTest.lags(Topics.RAW.name(), 0, 0));
        tick.punctuate(T0 + 10_500);
        assertThat(context.forwarded()).extracting(f -> f.record().timestamp()).as("read to the end: empty, follows the wall clock")
                .containsExactly(T0 + 10_500 - IdleClock.LAG - DELAY.toMillis());
    }

    @Test
    void shouldTakeAPartitionForEmptyAfterTheFallbackWhenItsLagIsNeverSeenAtZero() {
        final InputBacklog unknown = new InputBacklog();   // no metrics at all
        final MockProcessorContext<String, ReceivedEvent> context = context(store(), T0);
        start(context, unknown);
        final Punctuator tick = tick(context);
        final long fallback = IdleClock.EMPTY_FALLBACK * IDLE_ADVANCE.toMillis();
        for (long wall = T0; wall < T0 + fallback; wall += IdleClock.TICK.toMillis()) {
            tick.punctuate(wall);
        }
        assertThat(context.forwarded()).isEmpty();
        tick.punctuate(T0 + fallback);
        assertThat(context.forwarded()).hasSize(1);
    }

    /** A stage on {@code context}, initialised. */
    private static ReorderProcessor start(final MockProcessorContext<String, ReceivedEvent> context, final InputBacklog backlog) {
        final ReorderProcessor stage = new ReorderProcessor(DELAY, IDLE_ADVANCE, backlog);
        stage.init(context);
        return stage;
    }

    /** The wall-clock punctuator the stage scheduled. */
    private static Punctuator tick(final MockProcessorContext<String, ReceivedEvent> context) {
        return context.scheduledPunctuators().get(0).getPunctuator();
    }

    /** What the stage forwarded, without its progress marks. */
    private static List<Record<? extends String, ? extends ReceivedEvent>> events(final MockProcessorContext<String, ReceivedEvent> context) {
        return context.forwarded().stream().<Record<? extends String, ? extends ReceivedEvent>>map(f -> f.record())
                .filter(r -> !ReorderProcessor.isProgressMark(r)).toList();
    }

    /** The stage's buffer as an in-memory store, kept across a simulated restart by passing it to both instances. */
    private static KeyValueStore<Bytes, ReceivedEvent> store() {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.REORDER), Serdes.Bytes(), ReceivedEvent.SERDE)
                .withLoggingDisabled().build();
    }

    private static MockProcessorContext<String, ReceivedEvent> context(final KeyValueStore<Bytes, ReceivedEvent> store, final long wallNow) {
        final MockProcessorContext<String, ReceivedEvent> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(wallNow);
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        return context;
    }

    private static Record<String, ReceivedEvent> record(final String id, final long eventTime) {
        final Envelope e = new Envelope("shop", id, "order.created", Instant.ofEpochMilli(eventTime), Instant.ofEpochMilli(T0),
                null, null, "1");
        return new Record<>(e.key(), new ReceivedEvent(e, Topics.RAW.valueSerde().serializer().serialize(Topics.RAW.name(), e)),
                eventTime);
    }
}
