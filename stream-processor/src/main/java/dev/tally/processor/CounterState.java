package dev.tally.processor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import dev.tally.config.Durations;

/**
 * Everything a reader of the counts may know of how the processor keeps them: the one contract
 * between the processor and the query API. It names the store that locates a key's partition and
 * the repartition topic whose partitions the stores follow, holds the rule "a window is final", and
 * reads one key's windows and total, and a window's top keys, from one copy of one partition.
 */
public final class CounterState {

    /** Key of the clock store: the stage's time (epoch millis), persisted whenever a window closes. */
    static final String TIME = "time";
    /** Key prefix of the clock store: an upstream partition's last progress mark. */
    static final String UPSTREAM = "upstream.";
    /** Window sizes as spelled, by size: the configured sizes, each formatted once. */
    private static final Map<Duration, String> SPELLED = new ConcurrentHashMap<>();

    /** Reads stores of one copy (active or standby) of one partition: the query API's side of the contract. */
    public interface Stores {
        <T> T get(String storeName, QueryableStoreType<T> type);
    }

    /**
     * One window's count.
     *
     * @param isFinal whether it closed (end + grace at or before the partition's time): its count never changes again
     */
    public record Window(Duration size, Instant start, Instant end, long count, boolean isFinal) {
    }

    /** One key's count in a window. */
    public record KeyCount(String key, long count) {
    }

    private final String applicationId;
    private final Map<String, CountingStage> stageOf = new HashMap<>();

    public CounterState(final ProcessorConfig config) {
        this.applicationId = config.applicationId();
        for (CountingStage stage : CountingStage.of(config.counters())) {
            stage.counters().forEach(c -> stageOf.put(c.name(), stage));
        }
    }

    /** The store whose key metadata says which partition (and instance) holds {@code counter}'s key. */
    public String keyStore(final Counter counter) {
        return StoreNames.rows(stage(counter));
    }

    /** The topic whose partitions are the partitions of {@code counter}'s stores. */
    public String repartitionTopic(final Counter counter) {
        return stage(counter).repartitionTopic(applicationId);
    }

    /** Whether a window of {@code counter} ending at {@code end} is final when the partition's time is {@code time}. */
    public static boolean isFinal(final Counter counter, final Instant end, final long time) {
        return time != Long.MIN_VALUE && end.toEpochMilli() + counter.grace().toMillis() <= time;
    }

    /** The partition's time (epoch millis), or {@code Long.MIN_VALUE} before its first window closed. */
    public long time(final Counter counter, final Stores at) {
        final ReadOnlyKeyValueStore<String, Long> clock = at.get(StoreNames.clock(stage(counter)), QueryableStoreTypes.keyValueStore());
        final Long time = clock.get(TIME);
        return time == null ? Long.MIN_VALUE : time;
    }

    /** The all-time total of {@code key}; 0 when it was never counted. */
    public long total(final Counter counter, final String key, final Stores at) {
        final KeyRow row = row(counter, key, at);
        final KeyRow.Section section = row == null ? null : row.find(counter.name());
        return section == null ? 0L : section.total;
    }

    /** {@code key}'s windows of {@code size} that start within [from, to] and have a count, oldest first. */
    public List<Window> windows(final Counter counter, final Duration size, final String key, final Instant from, final Instant to,
                                final Stores at) {
        final long time = time(counter, at);
        final Map<Long, Long> counts = new HashMap<>();
        final ReadOnlyWindowStore<String, Long> history = at.get(StoreNames.history(counter, size), QueryableStoreTypes.windowStore());
        try (WindowStoreIterator<Long> it = history.fetch(key, from, to)) {
            it.forEachRemaining(e -> counts.put(e.key, e.value));
        }
        final KeyRow row = row(counter, key, at);
        final KeyRow.Section section = row == null ? null : row.find(counter.name());
        final KeyRow.Windows w = section == null ? null : section.find(size.toMillis());
        for (int k = 0; w != null && k < w.n; k++) {
            if (w.starts[k] >= from.toEpochMilli() && w.starts[k] <= to.toEpochMilli()) {
                counts.put(w.starts[k], w.counts[k]);
            }
        }
        final List<Window> windows = new ArrayList<>(counts.size());
        counts.forEach((start, count) -> windows.add(window(counter, size, start, count, time)));
        windows.sort(Comparator.comparing(Window::start));
        return windows;
    }

    /**
     * The {@code n} keys with the highest counts in {@code counter}'s window of {@code size} starting at
     * {@code start} (ties by key), from the open windows kept in memory — or, for a window closed
     * longer ago, from a scan of the partition's rows and history.
     */
    public List<KeyCount> top(final Counter counter, final Duration size, final Instant start, final int n, final Stores at) {
        final OpenWindows.WindowId id = new OpenWindows.WindowId(counter.name(), size.toMillis(), start.toEpochMilli());
        final long closeAt = start.toEpochMilli() + size.toMillis() + counter.grace().toMillis();
        final List<OpenWindows.Ranked> held = at.get(StoreNames.open(stage(counter)), OpenWindows.TYPE).top(id, closeAt, n);
        if (held != null) {
            return held.stream().map(r -> new KeyCount(r.key(), r.count())).toList();
        }
        // By key: a closed window moved to the history is also in its row's stored copy until the next commit writes the row.
        final Map<String, Long> counts = new HashMap<>();
        final ReadOnlyWindowStore<String, Long> history = at.get(StoreNames.history(counter, size), QueryableStoreTypes.windowStore());
        try (KeyValueIterator<Windowed<String>, Long> it = history.fetchAll(start, start)) {
            it.forEachRemaining(e -> counts.put(e.key.key(), e.value));
        }
        final ReadOnlyKeyValueStore<String, KeyRow> rows = at.get(StoreNames.rows(stage(counter)), QueryableStoreTypes.keyValueStore());
        try (KeyValueIterator<String, KeyRow> it = rows.all()) {
            while (it.hasNext()) {
                final KeyValue<String, KeyRow> e = it.next();
                final KeyRow.Section section = e.value.find(counter.name());
                final KeyRow.Windows w = section == null ? null : section.find(size.toMillis());
                final int k = w == null ? -1 : w.find(start.toEpochMilli());
                if (k >= 0) {
                    counts.put(e.key, w.counts[k]);
                }
            }
        }
        final List<OpenWindows.Ranked> scanned = new ArrayList<>(counts.size());
        counts.forEach((key, count) -> scanned.add(new OpenWindows.Ranked(key, count)));
        scanned.sort(OpenWindows.RANKING);
        return scanned.subList(0, Math.min(n, scanned.size())).stream().map(r -> new KeyCount(r.key(), r.count())).toList();
    }

    /** The window of {@code counter} and {@code size} starting at {@code startMillis}, with whether it is final at {@code time}. */
    public static Window window(final Counter counter, final Duration size, final long startMillis, final long count, final long time) {
        final Instant start = Instant.ofEpochMilli(startMillis);
        final Instant end = start.plus(size);
        return new Window(size, start, end, count, isFinal(counter, end, time));
    }

    private KeyRow row(final Counter counter, final String key, final Stores at) {
        final ReadOnlyKeyValueStore<String, KeyRow> rows = at.get(StoreNames.rows(stage(counter)), QueryableStoreTypes.keyValueStore());
        return rows.get(key);
    }

    private CountingStage stage(final Counter counter) {
        final CountingStage stage = stageOf.get(counter.name());
        if (stage == null) {
            throw new IllegalArgumentException("no counter named '" + counter.name() + "' is configured");
        }
        return stage;
    }

    /** A window size as counters name it ({@code 1m}). */
    static String spelled(final Duration size) {
        return SPELLED.computeIfAbsent(size, Durations::format);
    }
}
