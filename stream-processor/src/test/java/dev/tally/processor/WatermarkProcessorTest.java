package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/**
 * A raw partition's watermark: every event forwarded at once, and on wall-clock ticks a progress mark
 * with the newest event time less the reorder delay, following the wall clock once the partition is
 * idle or read to its end without an event.
 */
class WatermarkProcessorTest {

    private static final Duration DELAY = Duration.ofSeconds(5);
    private static final Duration IDLE_ADVANCE = Duration.ofSeconds(2);
    private static final long T0 = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();

    @Test
    void shouldForwardEveryEventAtOnce() {
        final MockProcessorContext<String, ReceivedEvent> context = context(T0);
        final WatermarkProcessor stage = start(context, InputBacklog.NONE);
        stage.process(record("b", T0 + 200));
        stage.process(record("a", T0 + 100));
        assertThat(context.forwarded()).extracting(f -> f.record().value().envelope().eventId()).containsExactly("b", "a");
    }

    @Test
    void shouldMarkTheWatermarkOnTicksWhereItMoved() {
        final MockProcessorContext<String, ReceivedEvent> context = context(T0);
        final WatermarkProcessor stage = start(context, InputBacklog.NONE);
        final Punctuator tick = tick(context);
        stage.process(record("a", T0 + 10_000));
        tick.punctuate(T0);
        tick.punctuate(T0 + 500);                   // nothing moved since the last mark
        stage.process(record("b", T0 + 12_000));
        tick.punctuate(T0 + 1_000);

        assertThat(context.forwarded()).extracting(f -> f.record()).filteredOn(WatermarkProcessor::isProgressMark)
                .extracting(Record::timestamp)
                .as("each mark is the newest event time seen minus the delay")
                .containsExactly(T0 + 5_000, T0 + 7_000);
    }

    @Test
    void shouldFollowTheWallClockWhenItHasNeverSeenAnEvent() {
        final MockProcessorContext<String, ReceivedEvent> context = context(T0);
        start(context, InputBacklog.NONE);
        final Punctuator tick = tick(context);
        for (long wall = T0; wall <= T0 + 3_000; wall += IdleClock.TICK.toMillis()) {
            context.setCurrentSystemTimeMs(wall);
            tick.punctuate(wall);
        }

        // An empty partition must not hold the counters back: from idle_advance after its first tick its
        // marks follow the wall clock, 1 s behind it, less the delay.
        assertThat(marks(context))
                .containsExactly(T0 + 2_000 - IdleClock.LAG - DELAY.toMillis(), T0 + 2_500 - IdleClock.LAG - DELAY.toMillis(),
                        T0 + 3_000 - IdleClock.LAG - DELAY.toMillis());
    }

    @Test
    void shouldNotTakeAPartitionStillWaitingForItsFirstRecordsForEmpty() {
        final InputBacklog backlog = new InputBacklog();
        backlog.refresh(InputBacklogTest.lags(Topics.RAW.name(), 0, 5_000));   // a replay: records wait to be read
        final MockProcessorContext<String, ReceivedEvent> context = context(T0);
        start(context, backlog);
        final Punctuator tick = tick(context);
        for (long wall = T0; wall <= T0 + 10_000; wall += IdleClock.TICK.toMillis()) {
            tick.punctuate(wall);
        }
        assertThat(marks(context)).as("no progress mark while the partition's records wait").isEmpty();

        backlog.refresh(InputBacklogTest.lags(Topics.RAW.name(), 0, 0));
        for (long wall = T0 + 10_500; wall < T0 + 12_500; wall += IdleClock.TICK.toMillis()) {
            tick.punctuate(wall);
        }
        assertThat(marks(context)).as("read to the end, but not for idle_advance yet").isEmpty();
        tick.punctuate(T0 + 12_500);
        assertThat(marks(context)).as("read to the end for idle_advance: empty, follows the wall clock")
                .containsExactly(T0 + 12_500 - IdleClock.LAG - DELAY.toMillis());
    }

    @Test
    void shouldNotRunAheadOfAPartitionWhoseRecordsWaitWhileItsThreadIsBusy() {
        final InputBacklog backlog = new InputBacklog();
        backlog.refresh(InputBacklogTest.lags(Topics.RAW.name(), 0, 50_000));   // a replay on a busy machine
        final MockProcessorContext<String, ReceivedEvent> context = context(T0);
        final WatermarkProcessor stage = start(context, backlog);
        final Punctuator tick = tick(context);
        stage.process(record("a", T0 + 60_000));
        context.setCurrentSystemTimeMs(T0);
        tick.punctuate(T0);
        for (long wall = T0 + 500; wall <= T0 + 30_000; wall += IdleClock.TICK.toMillis()) {
            tick.punctuate(wall);                      // 30 s without an event: the thread was elsewhere
        }
        assertThat(marks(context)).as("only the events move it while records wait").containsExactly(T0 + 55_000);

        backlog.refresh(InputBacklogTest.lags(Topics.RAW.name(), 0, 0));
        for (long wall = T0 + 30_500; wall <= T0 + 33_000; wall += IdleClock.TICK.toMillis()) {
            tick.punctuate(wall);
        }
        assertThat(marks(context)).as("read to the end and still no event: idle, it follows the wall clock")
                .hasSizeGreaterThan(1).last().isEqualTo(T0 + 55_000 + 33_000 - 30_000 - IdleClock.LAG);
    }

    @Test
    void shouldFollowTheWallClockWhenAPartitionWithEventsGoesIdle() {
        final MockProcessorContext<String, ReceivedEvent> context = context(T0);
        final WatermarkProcessor stage = start(context, InputBacklog.NONE);
        final Punctuator tick = tick(context);
        stage.process(record("a", T0 + 60_000));
        tick.punctuate(T0);
        tick.punctuate(T0 + 1_500);
        tick.punctuate(T0 + 4_000);
        assertThat(marks(context)).containsExactly(T0 + 55_000, T0 + 55_000 + 4_000 - IdleClock.LAG);
    }

    @Test
    void shouldWaitForAPartitionWhoseLagIsNotKnownHoweverLong() {
        // Seen in a replay on a busy machine: the consumer fetched one partition's first records 45 s after
        // the others'. Its lag was not known all that time; taken for empty, it closed the replay's windows.
        final InputBacklog unknown = new InputBacklog();   // no metrics at all
        final MockProcessorContext<String, ReceivedEvent> context = context(T0);
        final WatermarkProcessor stage = start(context, unknown);
        final Punctuator tick = tick(context);
        for (long wall = T0; wall <= T0 + 120_000; wall += IdleClock.TICK.toMillis()) {
            tick.punctuate(wall);
        }
        assertThat(marks(context)).as("no mark before the partition's first record or a known lag").isEmpty();

        context.setCurrentSystemTimeMs(T0 + 120_000);
        stage.process(record("first", T0 - 300_000));
        for (long wall = T0 + 120_500; wall <= T0 + 240_000; wall += IdleClock.TICK.toMillis()) {
            tick.punctuate(wall);
        }
        assertThat(marks(context)).as("its events move it, the wall clock does not while its lag is unknown")
                .containsExactly(T0 - 300_000 - DELAY.toMillis());
    }

    @Test
    void shouldTickOnlyWhenAWindowClosesOnceIdleWithNothingLeftToRelease() {
        final Counter perMinute = new Counter("c", Set.of(), Set.of(), List.of("source"), List.of(Duration.ofMinutes(1)),
                Duration.ofSeconds(10));
        final MockProcessorContext<String, ReceivedEvent> context = context(T0);
        final WatermarkProcessor stage = start(context, InputBacklog.NONE, List.of(perMinute));
        stage.process(record("a", T0));
        long wall = T0;
        while (interval(context) == IdleClock.TICK.toMillis() && wall < T0 + 60_000) {
            wall += IdleClock.TICK.toMillis();
            context.setCurrentSystemTimeMs(wall);
            tick(context).punctuate(wall);
        }
        assertThat(wall - T0).as("ticks twice a second until the watermark has passed the event")
                .isEqualTo(DELAY.toMillis() + IdleClock.LAG);
        assertThat(marks(context)).last().isEqualTo(T0);

        // Then a tick only when a window closes (the watermark at its end plus grace): [T0 - 1m, T0), then [T0, T0 + 1m).
        for (long closes : new long[] {T0 + 10_000, T0 + 70_000}) {
            wall += interval(context);
            context.setCurrentSystemTimeMs(wall);
            tick(context).punctuate(wall);
            assertThat(marks(context)).last().isEqualTo(closes);
        }
        assertThat(interval(context)).as("the next window closes a minute later").isEqualTo(60_000);
        assertThat(context.scheduledPunctuators()).filteredOn(p -> !p.cancelled()).hasSize(1);

        stage.process(record("b", T0 + 80_000));
        assertThat(interval(context)).as("an event: ticks twice a second again").isEqualTo(IdleClock.TICK.toMillis());
    }

    @Test
    void shouldTickAtLeastOnceAMinuteWhenIdleWithoutWindows() {
        final MockProcessorContext<String, ReceivedEvent> context = context(T0);
        start(context, InputBacklog.NONE);
        for (long wall = T0; wall <= T0 + 3_000; wall += IdleClock.TICK.toMillis()) {
            context.setCurrentSystemTimeMs(wall);
            tick(context).punctuate(wall);
        }
        assertThat(interval(context)).isEqualTo(WatermarkProcessor.IDLE_TICK.toMillis());
    }

    private static WatermarkProcessor start(final MockProcessorContext<String, ReceivedEvent> context, final InputBacklog backlog) {
        return start(context, backlog, List.of());
    }

    private static WatermarkProcessor start(final MockProcessorContext<String, ReceivedEvent> context, final InputBacklog backlog,
                                            final List<Counter> counters) {
        final WatermarkProcessor stage = new WatermarkProcessor(DELAY, IDLE_ADVANCE, backlog, counters);
        stage.init(context);
        return stage;
    }

    /** The wall-clock punctuator the stage has scheduled now. */
    private static Punctuator tick(final MockProcessorContext<String, ReceivedEvent> context) {
        return current(context).getPunctuator();
    }

    /** How often it ticks now, in milliseconds. */
    private static long interval(final MockProcessorContext<String, ReceivedEvent> context) {
        return current(context).getInterval().toMillis();
    }

    private static MockProcessorContext.CapturedPunctuator current(final MockProcessorContext<String, ReceivedEvent> context) {
        final List<MockProcessorContext.CapturedPunctuator> live = context.scheduledPunctuators().stream()
                .filter(p -> !p.cancelled()).toList();
        assertThat(live).as("one tick scheduled").hasSize(1);
        return live.get(0);
    }

    /** The timestamps of the progress marks forwarded. */
    private static List<Long> marks(final MockProcessorContext<String, ReceivedEvent> context) {
        return context.forwarded().stream().map(f -> f.record()).filter(WatermarkProcessor::isProgressMark)
                .map(Record::timestamp).toList();
    }

    private static MockProcessorContext<String, ReceivedEvent> context(final long wallNow) {
        final MockProcessorContext<String, ReceivedEvent> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(wallNow);
        return context;
    }

    static Record<String, ReceivedEvent> record(final String id, final long eventTime) {
        final Envelope e = new Envelope("shop", id, "order.created", Instant.ofEpochMilli(eventTime), Instant.ofEpochMilli(T0),
                null, null, "1");
        return new Record<>(e.key(), new ReceivedEvent(e, Topics.RAW.valueSerde().serializer().serialize(Topics.RAW.name(), e)),
                eventTime);
    }
}
