package dev.tally.processor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.config.Durations;
import dev.tally.schemas.Alert;
import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.LateEvent;
import dev.tally.schemas.Topics;

/**
 * One counter's tumbling windows and all-time total, fed with events keyed by the group key in
 * (mostly) event-time order.
 *
 * <p>Reads records keyed by group key with {@link CountEvent} values, timestamped with the event
 * time, and the reorder stage's progress marks. For each window size, an event whose window has
 * closed (window end + grace at or before the stage's time) is not counted but emitted to
 * {@link Topics#LATE}; otherwise its delta is added and the new count emitted to
 * {@link Topics#COUNT_UPDATES}, with an {@link Alert} to {@link Topics#ALERTS} when the count first
 * reaches a threshold. When the stage's time passes a window's close, its count is emitted once to
 * {@link Topics#COUNT_FINAL}. The all-time total counts every event, late or not.
 *
 * <p>The stage's time is the slowest upstream partition's: per partition of the reorder stage, the
 * newest event time or progress mark seen from it; the minimum of those, never moving back while the
 * stage runs. Each
 * upstream partition releases its events in event-time order, so no event from it can be older than
 * what it has sent, and no window closes while some partition still has events for it. That holds
 * when the partitions are worked off unevenly (a replay, a backlog after an outage, one instance
 * restoring while another runs), where the newest time seen anywhere would run minutes ahead of the
 * slowest partition. Idle partitions move by their progress marks, which follow the wall clock
 * ({@link IdleClock}). The time is persisted with every window that closes, not with every event (with
 * the record cache off that was up to one changelog record per event): a restart may take it back to
 * the last window close, never further, so it never reopens a window whose final was emitted.
 *
 * <p>Owns the window stores {@link StoreNames#window} (and {@link StoreNames#peak} for counters with
 * thresholds), the key-value store {@link StoreNames#total}, and {@link StoreNames#clock} holding
 * the stage's time, per size up to which window end finals were emitted, and per upstream partition
 * its last progress mark.
 */
public final class CounterProcessor implements Processor<String, CountEvent, String, Emitted> {

    private static final Logger LOG = LoggerFactory.getLogger(CounterProcessor.class);
    private static final String TIME = "time";
    private static final String UPSTREAM = "upstream.";

    private final Counter counter;
    /** Per upstream partition, how far in event time it has got. */
    private final long[] upstream;
    private long time = Long.MIN_VALUE;
    private boolean warnedPartitions;
    private ProcessorContext<String, Emitted> context;
    private final List<WindowStore<String, Long>> counts = new ArrayList<>();
    private final List<WindowStore<String, Long>> peaks = new ArrayList<>();
    private KeyValueStore<String, Long> totals;
    private KeyValueStore<String, Long> state;
    private Sensor late;
    /** Per window size, the {@code final.<size>} mark of the clock store: finals were emitted for windows ending at or before it. */
    private long[] finalizedUpTo;

    CounterProcessor(final Counter counter, final int upstreamPartitions) {
        this.counter = counter;
        this.upstream = new long[upstreamPartitions];
    }

    /**
     * @param upstreamPartitions the partitions of {@code webhooks.raw}: the counter's time waits for each of them
     */
    public static ProcessorSupplier<String, CountEvent, String, Emitted> supplier(final Counter counter,
                                                                                 final Duration queryHistory,
                                                                                 final int upstreamPartitions,
                                                                                 final StoreKind kind) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, CountEvent, String, Emitted> get() {
                return new CounterProcessor(counter, upstreamPartitions);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                final Set<StoreBuilder<?>> stores = new HashSet<>();
                for (Duration size : counter.windows()) {
                    stores.add(kind.window(StoreNames.window(counter, size), queryHistory, size, Serdes.String(), Serdes.Long()));
                    if (!counter.thresholds().isEmpty()) {
                        stores.add(kind.window(StoreNames.peak(counter, size), queryHistory, size, Serdes.String(), Serdes.Long()));
                    }
                }
                stores.add(kind.keyValue(StoreNames.total(counter), Serdes.String(), Serdes.Long()));
                stores.add(kind.keyValue(StoreNames.clock(counter), Serdes.String(), Serdes.Long()));
                return stores;
            }
        };
    }

    @Override
    public void init(final ProcessorContext<String, Emitted> context) {
        this.context = context;
        for (Duration size : counter.windows()) {
            counts.add(context.getStateStore(StoreNames.window(counter, size)));
            if (!counter.thresholds().isEmpty()) {
                peaks.add(context.getStateStore(StoreNames.peak(counter, size)));
            }
        }
        totals = context.getStateStore(StoreNames.total(counter));
        state = context.getStateStore(StoreNames.clock(counter));
        late = TallyMetrics.sensor(context, "counter-" + counter.name(), "late");
        finalizedUpTo = new long[counter.windows().size()];
        for (int i = 0; i < finalizedUpTo.length; i++) {
            final Long done = state.get(doneKey(i));
            finalizedUpTo[i] = done == null ? Long.MIN_VALUE : done;
        }
        final Long persisted = state.get(TIME);
        time = persisted == null ? Long.MIN_VALUE : persisted;
        for (int p = 0; p < upstream.length; p++) {
            final Long mark = state.get(UPSTREAM + p);
            upstream[p] = mark == null ? Long.MIN_VALUE : mark;
        }
    }

    @Override
    public void process(final Record<String, CountEvent> record) {
        final String key = record.key();
        final CountEvent event = record.value();
        final long eventTime = record.timestamp();
        if (event.isProgress()) {
            if (advance(event.upstream(), eventTime)) {
                state.put(UPSTREAM + event.upstream(), eventTime);
                closeWindows();
            }
            return;
        }
        advance(event.upstream(), eventTime);

        for (int i = 0; i < counter.windows().size(); i++) {
            final long size = counter.windows().get(i).toMillis();
            for (long start : counter.windowStarts(eventTime, size)) {
                count(i, key, event, eventTime, start, start + size);
            }
        }

        final Long total = totals.get(key);
        final long newTotal = (total == null ? 0L : total) + event.delta();
        totals.put(key, newTotal);
        final CountUpdate update = new CountUpdate(counter.name(), key, CountUpdate.ALL_TIME, null, null, newTotal);
        emit(update.topicKey(), Topics.COUNT_UPDATES.name(), update, eventTime);

        closeWindows();
    }

    /**
     * Upstream partition {@code partition} has got to {@code eventTime}; the stage's time moves to the
     * slowest partition's.
     *
     * @return whether the partition's time moved
     */
    private boolean advance(final int partition, final long eventTime) {
        if (partition < 0 || partition >= upstream.length) {
            if (partition >= upstream.length && !warnedPartitions) {
                warnedPartitions = true;
                LOG.warn("counter {}: a record from upstream partition {}, but the processor was built for {} partitions "
                        + "of {}; kafka.topics.partitions must match the topic", counter.name(), partition, upstream.length, Topics.RAW.name());
            }
            return false;
        }
        if (eventTime <= upstream[partition]) {
            return false;
        }
        upstream[partition] = eventTime;
        long slowest = Long.MAX_VALUE;
        for (long t : upstream) {
            slowest = Math.min(slowest, t);
        }
        time = Math.max(time, slowest);
        return true;
    }

    /** Counts the event in one window of size {@code i}, or reports it late if that window has closed. */
    private void count(final int i, final String key, final CountEvent event, final long eventTime,
                       final long start, final long end) {
        final long closesAt = end + counter.grace().toMillis();
        if (closesAt <= time) {
            late.record();
            emit(event.source() + ":" + event.eventId(), Topics.LATE.name(), new LateEvent(counter.name(), key,
                    window(i), Instant.ofEpochMilli(start), Instant.ofEpochMilli(end), Instant.ofEpochMilli(closesAt),
                    Instant.ofEpochMilli(time), event.source(), event.eventId(), Instant.ofEpochMilli(eventTime),
                    "window closed at " + Instant.ofEpochMilli(closesAt) + " (end + grace " + Durations.format(counter.grace())
                            + "); the processor's time was " + Instant.ofEpochMilli(time)), eventTime);
            return;
        }
        final Long before = counts.get(i).fetch(key, start);
        final long count = (before == null ? 0L : before) + event.delta();
        counts.get(i).put(key, count, start);
        final CountUpdate update = new CountUpdate(counter.name(), key, window(i), Instant.ofEpochMilli(start),
                Instant.ofEpochMilli(end), count);
        emit(update.topicKey(), Topics.COUNT_UPDATES.name(), update, eventTime);
        if (!counter.thresholds().isEmpty()) {
            alertOnThresholds(i, key, start, count, event, eventTime);
        }
    }

    /** Alerts for each threshold the count reaches for the first time in this window. */
    private void alertOnThresholds(final int i, final String key, final long start, final long count,
                                   final CountEvent event, final long eventTime) {
        final Long previousPeak = peaks.get(i).fetch(key, start);
        final long peak = previousPeak == null ? 0L : previousPeak;
        if (count <= peak) {
            return;
        }
        peaks.get(i).put(key, count, start);
        final long size = counter.windows().get(i).toMillis();
        for (long threshold : counter.thresholds()) {
            if (peak < threshold && threshold <= count) {
                final Alert alert = new Alert(counter.name(), key, window(i), Instant.ofEpochMilli(start),
                        Instant.ofEpochMilli(start + size), threshold, count, event.eventId(), Instant.ofEpochMilli(eventTime));
                emit(alert.topicKey(), Topics.ALERTS.name(), alert, eventTime);
            }
        }
    }

    /**
     * Emits, once, the final count of every window that closed since the last call. The mark of how
     * far finals were emitted is kept in memory and written to the store only when a window actually
     * closed: a store range query over all cached windows per event was most of the stage's time, and
     * between two window starts there is nothing to close (a restart from an older mark finds no window
     * start between it and the newer one).
     */
    private void closeWindows() {
        if (time == Long.MIN_VALUE) {
            return; // some upstream partition has not been heard from yet
        }
        final long closedUpTo = time - counter.grace().toMillis(); // windows ending at or before this are closed
        boolean closed = false;
        for (int i = 0; i < counter.windows().size(); i++) {
            final long size = counter.windows().get(i).toMillis();
            final long done = finalizedUpTo[i];
            if (done != Long.MIN_VALUE && closedUpTo <= done) {
                continue;
            }
            final long fromStart = done == Long.MIN_VALUE ? 0L : done - size + 1;
            final long toStart = closedUpTo - size;
            if (firstWindowStartFrom(fromStart, size) > toStart) {
                continue;
            }
            emitFinals(i, size, fromStart, toStart);
            state.put(doneKey(i), closedUpTo);
            finalizedUpTo[i] = closedUpTo;
            closed = true;
        }
        if (closed) {
            state.put(TIME, time);
        }
    }

    /** The earliest start of a window of {@code size} at or after {@code from}. */
    private long firstWindowStartFrom(final long from, final long size) {
        final long advance = counter.hop() == null ? size : counter.hop().toMillis();
        return from + Math.floorMod(-from, advance);
    }

    private void emitFinals(final int i, final long size, final long fromStart, final long toStart) {
        final List<KeyValue<Windowed<String>, Long>> closed = new ArrayList<>();
        try (KeyValueIterator<Windowed<String>, Long> it = counts.get(i).fetchAll(
                Instant.ofEpochMilli(fromStart), Instant.ofEpochMilli(toStart))) {
            it.forEachRemaining(closed::add);
        }
        for (KeyValue<Windowed<String>, Long> window : closed) {
            final long start = window.key.window().start();
            final CountUpdate fin = new CountUpdate(counter.name(), window.key.key(), window(i),
                    Instant.ofEpochMilli(start), Instant.ofEpochMilli(start + size), window.value);
            emit(fin.topicKey(), Topics.COUNT_FINAL.name(), fin, start + size - 1);
        }
    }

    private String doneKey(final int i) {
        return "final." + window(i);
    }

    private String window(final int i) {
        return Durations.format(counter.windows().get(i));
    }

    private void emit(final String key, final String topic, final Object value, final long timestamp) {
        context.forward(new Record<>(key, new Emitted(topic, value), timestamp));
    }
}
