package dev.tally.processor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessingContext;
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
import dev.tally.schemas.KeyCounts;
import dev.tally.schemas.LateEvent;
import dev.tally.schemas.Topics;

/**
 * One {@link CountingStage}: the windows and all-time totals of every counter of the stage, counted
 * on arrival, closed by the watermark.
 *
 * <p>Reads {@link CountBatch}es: events keyed by group key, timestamped with the event time, and the
 * watermark's progress marks, each in the order its upstream task sent them. An event adds its delta to its key's total and, for each
 * window size, to its window — unless that window has closed (end + grace at or before the stage's
 * time): then it is emitted to {@link Topics#LATE} instead. A counted event emits an {@link Alert} to
 * {@link Topics#ALERTS} when a window's count first reaches a threshold; each key's counters'
 * latest {@link KeyCounts} go to {@link Topics#COUNT_UPDATES} once per commit in which the key
 * changed, right before the commit ({@link CommitHook}), with the windows still open then. When the stage's time passes
 * a window's close, its count is emitted once to {@link Topics#COUNT_FINAL}.
 *
 * <p>The stage's time is the slowest upstream partition's watermark: per partition of
 * {@link Topics#RAW}, the newest progress mark from it, or an event's time minus the reorder delay
 * (that partition's watermark had passed it when the event left); the minimum of those, never moving
 * back. So no window closes while some partition may still send events within the reorder delay,
 * also when the partitions are worked off unevenly (a replay, a backlog, one instance restoring).
 * Idle partitions move by their marks, which follow the wall clock ({@link IdleClock}). The time is
 * persisted with every window that closes: a restart may take it back to the last window close,
 * never further, so a window whose final was emitted never reopens.
 *
 * <p>Everything it emits is keyed as on its topic ({@link Emitted#key()}) and goes to one sink.
 *
 * <p>Coalescing is its own, not the record cache's: a thread's cache evicts from the store it was just
 * put to whenever that put leaves it over its size, so with one stage's many keys filling it, another
 * stage's few hot keys were written with almost every event. Here a key counted many times within a
 * commit interval costs one row changelog record and one update per counter, whatever shares the thread.
 *
 * <p>Owns the stores of {@link CounterState}: the rows ({@link KeyRow}, one per key, no record cache;
 * a changed row is kept here and written right before the commit, so queries see it from then on), the clock (the stage's time and each upstream partition's last mark), each counter's and
 * size's history of closed windows moved out of the rows, and {@link OpenWindows} (in memory).
 */
public final class CountingProcessor implements Processor<Integer, CountBatch, String, Emitted> {

    /** Where the stage's records go: forwarded in the topology, collected in tests. */
    interface Out {
        void emit(Emitted emitted, long timestamp);
    }

    /** A row changed since the last commit, and the time of the newest event that changed it. */
    private record Changed(KeyRow row, long eventTime) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(CountingProcessor.class);
    /** An upstream watermark moving further than this at once is logged at debug level. */
    private static final long JUMP_MS = 20_000L;
    /** Rows kept in memory after they are written, per task (with 3 windows a row is about 1 KiB of heap). */
    static final int ROWS_KEPT = 1 << 15;
    /** How many late events each instance describes at debug level. */
    private static final int LOGGED_LATE = 20;

    private final CountingStage stage;
    private final long delay;
    private final long queryHistory;
    /** Per upstream partition, how far its watermark has got. */
    private final long[] upstream;
    private long time = Long.MIN_VALUE;
    private boolean warnedPartitions;
    private int loggedLate;
    private Out out;
    private KeyValueStore<String, KeyRow> rows;
    /** The rows changed since the last commit, by key: written to {@link #rows} and emitted right before the next one. */
    private final Map<String, Changed> changed = new HashMap<>();
    /**
     * The rows written at the last commits, as they are in {@link #rows}: a key's next event reads its row
     * from here instead of the store (a store read and a row parsed per event). The first written leaves
     * first; not the least recently used, because moving an entry on each read writes references into old
     * objects, which the garbage collector then tracks (profiled: its card refinement went from 0.4 to 3 %).
     */
    private final Map<String, KeyRow> written = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(final Map.Entry<String, KeyRow> eldest) {
            return size() > ROWS_KEPT;
        }
    };
    private KeyValueStore<String, Long> clock;
    private OpenWindows open;
    private final Map<String, Map<Long, WindowStore<String, Long>>> history = new HashMap<>();
    private Sensor late;
    private Sensor freshness;
    private ProcessingContext context;

    CountingProcessor(final CountingStage stage, final Duration reorderDelay, final Duration queryHistory, final int upstreamPartitions) {
        this.stage = stage;
        this.delay = reorderDelay.toMillis();
        this.queryHistory = queryHistory.toMillis();
        this.upstream = new long[upstreamPartitions];
    }

    /** @param upstreamPartitions the partitions of {@code webhooks.raw}: the stage's time waits for each of them */
    public static ProcessorSupplier<Integer, CountBatch, String, Emitted> supplier(final CountingStage stage, final Duration reorderDelay,
                                                                                 final Duration queryHistory,
                                                                                 final int upstreamPartitions, final StoreKind kind) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<Integer, CountBatch, String, Emitted> get() {
                return new CountingProcessor(stage, reorderDelay, queryHistory, upstreamPartitions);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                final Set<StoreBuilder<?>> stores = new HashSet<>();
                stores.add(kind.uncachedKeyValue(StoreNames.rows(stage), Serdes.String(), KeyRow.SERDE));
                stores.add(CommitHook.builder(StoreNames.commit(stage)));
                stores.add(kind.keyValue(StoreNames.clock(stage), Serdes.String(), Serdes.Long()));
                stores.add(OpenWindows.builder(StoreNames.open(stage)));
                for (Counter counter : stage.counters()) {
                    for (Duration size : counter.windows()) {
                        // Each closed window is put once, when it leaves its row: one changelog record per commit.
                        stores.add(kind.batchLoggedWindow(StoreNames.history(counter, size), queryHistory, size, Serdes.String(), Serdes.Long()));
                    }
                }
                return stores;
            }
        };
    }

    @Override
    public void init(final ProcessorContext<String, Emitted> context) {
        // The updates leave from the commit hook too.
        final Consumer<Record<String, Emitted>> forward = CommitHook.forwarder(context);
        init(context, (emitted, timestamp) -> forward.accept(new Record<>(emitted.key(), emitted, timestamp)));
    }

    /** Opens the stores of {@code context}; records go to {@code out}. */
    void init(final ProcessingContext context, final Out out) {
        // Kafka Streams initialises the same instance again when it revives a task after an aborted transaction:
        // what changed since the last commit was rolled back with it, and the store may have been restored.
        changed.clear();
        written.clear();
        this.out = out;
        rows = context.getStateStore(StoreNames.rows(stage));
        final CommitHook commit = context.getStateStore(StoreNames.commit(stage));
        commit.beforeCommit(this::writeDown);
        clock = context.getStateStore(StoreNames.clock(stage));
        open = context.getStateStore(StoreNames.open(stage));
        for (Counter counter : stage.counters()) {
            final Map<Long, WindowStore<String, Long>> sizes = new HashMap<>();
            for (Duration size : counter.windows()) {
                sizes.put(size.toMillis(), context.getStateStore(StoreNames.history(counter, size)));
            }
            history.put(counter.name(), sizes);
        }
        late = TallyMetrics.sensor(context, "stage-" + stage.name(), TallyMetrics.LATE);
        freshness = TallyMetrics.avgMaxSensor(context, "stage-" + stage.name(), TallyMetrics.FRESHNESS);
        this.context = context;
        final Long persisted = clock.get(CounterState.TIME);
        time = persisted == null ? Long.MIN_VALUE : persisted;
        for (int p = 0; p < upstream.length; p++) {
            final Long mark = clock.get(CounterState.UPSTREAM + p);
            upstream[p] = mark == null ? Long.MIN_VALUE : mark;
        }
        rebuildOpenWindows();
    }

    /** Puts every window of the rows that is still open into {@link #open}. */
    private void rebuildOpenWindows() {
        open.rebuild(time);
        try (KeyValueIterator<String, KeyRow> it = rows.all()) {
            while (it.hasNext()) {
                final KeyValue<String, KeyRow> entry = it.next();
                for (KeyRow.Section section : entry.value.sections) {
                    final Counter counter = stage.counter(section.counter);
                    if (counter == null) {
                        continue;
                    }
                    for (KeyRow.Windows w : section.sizes) {
                        for (int k = 0; k < w.n; k++) {
                            final long closeAt = w.starts[k] + w.size + counter.grace().toMillis();
                            if (closeAt > time) {
                                open.put(new OpenWindows.WindowId(counter.name(), w.size, w.starts[k]), closeAt, entry.key, w.counts[k]);
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public void process(final Record<Integer, CountBatch> record) {
        for (CountBatch.Entry entry : record.value().entries()) {
            process(entry.key(), entry.event(), entry.timestamp());
        }
    }

    /** Counts one event, or takes in one progress mark. */
    void process(final String key, final CountEvent event, final long eventTime) {
        if (event.isProgress()) {
            if (advance(event.upstream(), eventTime)) {
                clock.put(CounterState.UPSTREAM + event.upstream(), eventTime);
                closeWindows();
            }
            return;
        }
        // When the event left its partition, that partition's watermark had passed its time minus the delay.
        advance(event.upstream(), eventTime - delay);

        freshness.record(Math.max(0, context.currentSystemTimeMs() - eventTime));
        final KeyRow row = row(key);
        for (CountEvent.Counted counted : event.counts()) {
            final Counter counter = stage.counter(counted.counter());
            if (counter == null) {
                continue; // written before the counter was removed from the configuration
            }
            final KeyRow.Section section = row.section(counter.name());
            section.total += counted.delta();
            for (Duration sizeDuration : counter.windows()) {
                final long size = sizeDuration.toMillis();
                final KeyRow.Windows windows = section.windows(size);
                for (long start : counter.windowStarts(eventTime, size)) {
                    count(counter, key, windows, start, counted.delta(), event, eventTime);
                }
            }
        }
        tidy(key, row);
        changed.put(key, new Changed(row, eventTime));
        closeWindows();
    }

    /** The key's row: as changed since the last commit, else as stored, else a new one. */
    private KeyRow row(final String key) {
        final Changed pending = changed.get(key);
        if (pending != null) {
            return pending.row();
        }
        final KeyRow kept = written.get(key);
        if (kept != null) {
            return kept;
        }
        final KeyRow stored = rows.get(key);
        return stored == null ? new KeyRow() : stored;
    }

    /** Right before each commit: each row changed since the last one, written, and its counters' latest counts. */
    void writeDown() {
        changed.forEach((key, c) -> {
            rows.put(key, c.row());
            written.putIfAbsent(key, c.row()); // a kept row is the one changed: not written into the map again
            for (KeyRow.Section section : c.row().sections) {
                final Counter counter = stage.counter(section.counter);
                final KeyCounts counts = new KeyCounts(counter.name(), key, section.total, openWindows(counter, section));
                out.emit(new Emitted(Topics.COUNT_UPDATES.name(), counts.topicKey(), counts), c.eventTime());
            }
        });
        changed.clear();
    }

    /**
     * Partition {@code partition}'s watermark has got to {@code watermark}; the stage's time moves to
     * the slowest partition's.
     *
     * @return whether the partition's watermark moved
     */
    private boolean advance(final int partition, final long watermark) {
        if (partition < 0 || partition >= upstream.length) {
            if (!warnedPartitions) {
                warnedPartitions = true;
                LOG.warn("stage {}: a record from upstream partition {}, but the processor was built for {} partitions "
                        + "of {}; kafka.topics.partitions must match the topic", stage.name(), partition, upstream.length, Topics.RAW.name());
            }
            return false;
        }
        if (watermark <= upstream[partition]) {
            return false;
        }
        if (LOG.isDebugEnabled() && upstream[partition] != Long.MIN_VALUE && watermark - upstream[partition] > JUMP_MS) {
            LOG.debug("stage {}: upstream partition {} jumped {} ms to {}", stage.name(), partition, watermark - upstream[partition],
                    Instant.ofEpochMilli(watermark));
        }
        upstream[partition] = watermark;
        long slowest = Long.MAX_VALUE;
        for (long t : upstream) {
            slowest = Math.min(slowest, t);
        }
        time = Math.max(time, slowest);
        return true;
    }

    /** Counts the event in one window, or reports it late if that window has closed. */
    private void count(final Counter counter, final String key, final KeyRow.Windows windows, final long start, final long delta,
                       final CountEvent event, final long eventTime) {
        final long end = start + windows.size;
        final long closesAt = end + counter.grace().toMillis();
        if (closesAt <= time) {
            late.record();
            if (LOG.isDebugEnabled() && loggedLate++ < LOGGED_LATE) {
                LOG.debug("stage {}: late event {} at {} (upstream partition {}), window closed at {}, time {}, upstream {}", stage.name(),
                        event.eventId(), Instant.ofEpochMilli(eventTime), event.upstream(), Instant.ofEpochMilli(closesAt),
                        Instant.ofEpochMilli(time), Arrays.toString(upstream));
            }
            final LateEvent missed = LateEvent.windowClosed(counter.name(), key, Durations.format(Duration.ofMillis(windows.size)),
                    Instant.ofEpochMilli(start), Instant.ofEpochMilli(end), Instant.ofEpochMilli(closesAt), Instant.ofEpochMilli(time),
                    event.source(), event.eventId(), Instant.ofEpochMilli(eventTime),
                    "window closed at " + Instant.ofEpochMilli(closesAt) + " (end + grace " + Durations.format(counter.grace())
                            + "); the processor's time was " + Instant.ofEpochMilli(time));
            out.emit(new Emitted(Topics.LATE.name(), event.source() + ":" + event.eventId(), missed), eventTime);
            return;
        }
        final int found = windows.find(start);
        final int at = found >= 0 ? found : windows.insert(found, start);
        final long count = windows.counts[at] + delta;
        windows.counts[at] = count;
        open.put(new OpenWindows.WindowId(counter.name(), windows.size, start), closesAt, key, count);
        final long peak = windows.peaks[at];
        if (count > peak) {
            windows.peaks[at] = count;
            for (long threshold : counter.thresholds()) {
                if (peak < threshold && threshold <= count) {
                    final Alert alert = new Alert(counter.name(), key, Durations.format(Duration.ofMillis(windows.size)),
                            Instant.ofEpochMilli(start), Instant.ofEpochMilli(end), threshold, count, event.eventId(),
                            Instant.ofEpochMilli(eventTime));
                    out.emit(new Emitted(Topics.ALERTS.name(), alert.topicKey(), alert), eventTime);
                }
            }
        }
    }

    /** The counter's windows of the row that are still open, by size in the counter's order. */
    private List<KeyCounts.Window> openWindows(final Counter counter, final KeyRow.Section section) {
        final List<KeyCounts.Window> windows = new ArrayList<>(counter.windows().size() + 1);
        for (Duration sizeDuration : counter.windows()) {
            final KeyRow.Windows w = section.find(sizeDuration.toMillis());
            if (w == null) {
                continue;
            }
            for (int k = 0; k < w.n; k++) {
                if (w.starts[k] + w.size + counter.grace().toMillis() > time) {
                    windows.add(new KeyCounts.Window(CounterState.spelled(sizeDuration), Instant.ofEpochMilli(w.starts[k]),
                            Instant.ofEpochMilli(w.starts[k] + w.size), w.counts[k]));
                }
            }
        }
        return windows;
    }

    /**
     * Before a row is written: drops what fell out of the query history and the sections of counters
     * or sizes no longer configured, and moves the oldest closed windows beyond
     * {@link KeyRow#KEEP_CLOSED} per size to the history store.
     */
    private void tidy(final String key, final KeyRow row) {
        row.sections.removeIf(s -> stage.counter(s.counter) == null);
        for (KeyRow.Section section : row.sections) {
            final Counter counter = stage.counter(section.counter);
            section.sizes.removeIf(w -> !history.get(counter.name()).containsKey(w.size));
            if (time == Long.MIN_VALUE) {
                continue;
            }
            for (KeyRow.Windows w : section.sizes) {
                int expired = 0;
                while (expired < w.n && w.starts[expired] + w.size <= time - queryHistory) {
                    expired++;
                }
                int closed = expired;
                while (closed < w.n && w.starts[closed] + w.size + counter.grace().toMillis() <= time) {
                    closed++;
                }
                int drop = expired;
                if (closed - expired > KeyRow.KEEP_CLOSED) {
                    final int move = closed - expired - KeyRow.KEEP_CLOSED / 2;
                    final WindowStore<String, Long> store = history.get(counter.name()).get(w.size);
                    for (int k = expired; k < expired + move; k++) {
                        store.put(key, w.counts[k], w.starts[k]);
                    }
                    drop += move;
                }
                if (drop > 0) {
                    w.dropFirst(drop);
                }
            }
        }
    }

    /** Emits, once, the final count of every key of every window that closed since the last call. */
    private void closeWindows() {
        if (time == Long.MIN_VALUE) {
            return; // some upstream partition has not been heard from yet
        }
        final List<OpenWindows.Board> closed = open.closeUpTo(time);
        if (closed.isEmpty()) {
            return;
        }
        for (OpenWindows.Board board : closed) {
            final OpenWindows.WindowId id = board.id;
            final String window = CounterState.spelled(Duration.ofMillis(id.size()));
            final Instant start = Instant.ofEpochMilli(id.start());
            final Instant end = Instant.ofEpochMilli(id.start() + id.size());
            board.forEach((key, count) -> {
                final CountUpdate fin = new CountUpdate(id.counter(), key, window, start, end, count);
                out.emit(new Emitted(Topics.COUNT_FINAL.name(), fin.topicKey(), fin), end.toEpochMilli() - 1);
            });
        }
        clock.put(CounterState.TIME, time);
    }
}
