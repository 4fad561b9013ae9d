package dev.tally.query;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import dev.tally.config.Durations;
import dev.tally.processor.Counter;
import dev.tally.processor.StoreNames;

/**
 * Reads counts from this instance's copy of one partition of the processor's state stores (Kafka
 * Streams interactive queries). Which partition, and whether the active store or a standby, is
 * decided by {@link KeyRouter}; a store that is not queryable here throws
 * {@link org.apache.kafka.streams.errors.InvalidStateStoreException}, which the router turns into a
 * standby read or an explicit 503.
 */
public final class CountsService {

    /** The key "time" of the clock store: the counter stage's event-time clock for its partition. */
    static final String CLOCK_TIME = "time";

    /**
     * One tumbling window's count.
     *
     * @param isFinal whether the window closed (end + grace at or before the partition's clock): its count never changes
     */
    public record WindowCount(String window, Instant start, Instant end, long count,
                              @JsonProperty("final") boolean isFinal) {
    }

    /** Windows of one key, and where the next page starts (null: no more). */
    public record Page(List<WindowCount> windows, Cursor next) {
    }

    /**
     * Which copy of a partition to read here.
     *
     * @param standby          read a standby (or restoring) copy, possibly behind the active one
     * @param stalenessOffsets how many changelog records that copy is behind (0 for the active)
     */
    public record Local(int partition, boolean standby, long stalenessOffsets) {
    }

    private final KafkaStreams streams;
    private final HostInfo self;

    public CountsService(final KafkaStreams streams, final HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    /**
     * The windows of each of {@code sizes} (in that order) whose start is within [from, to] and that
     * have a count, oldest first, at most {@code limit} of them from {@code cursor} on.
     */
    public Page windows(final Counter counter, final List<Duration> sizes, final String key, final Instant from,
                        final Instant to, final Cursor cursor, final int limit, final Local at) {
        final long clock = clock(counter, at);
        final List<WindowCount> windows = new ArrayList<>();
        for (int i = cursor == null ? 0 : cursor.sizeIndex(); i < sizes.size(); i++) {
            final Duration size = sizes.get(i);
            final Instant start = cursor != null && cursor.sizeIndex() == i && cursor.start().isAfter(from) ? cursor.start() : from;
            final ReadOnlyWindowStore<String, Long> store = store(StoreNames.window(counter, size),
                    QueryableStoreTypes.windowStore(), at);
            try (WindowStoreIterator<Long> it = store.fetch(key, start, to)) {
                while (it.hasNext()) {
                    final var entry = it.next();
                    final Instant windowStart = Instant.ofEpochMilli(entry.key);
                    if (windows.size() == limit) {
                        return new Page(windows, new Cursor(i, windowStart));
                    }
                    windows.add(window(counter, size, windowStart, entry.value, clock));
                }
            }
        }
        return new Page(windows, null);
    }

    /** The all-time total of {@code key}; 0 when the key was never counted. */
    public long total(final Counter counter, final String key, final Local at) {
        final ReadOnlyKeyValueStore<String, Long> store = store(StoreNames.total(counter), QueryableStoreTypes.keyValueStore(), at);
        final Long total = store.get(key);
        return total == null ? 0L : total;
    }

    /** The counter stage's clock for the partition (epoch millis), or {@code Long.MIN_VALUE} before its first event. */
    public long clock(final Counter counter, final Local at) {
        final ReadOnlyKeyValueStore<String, Long> store = store(StoreNames.clock(counter), QueryableStoreTypes.keyValueStore(), at);
        final Long time = store.get(CLOCK_TIME);
        return time == null ? Long.MIN_VALUE : time;
    }

    /** The count of every key in the window of {@code size} starting at {@code start}, in one partition. */
    public List<WindowCount> allKeysIn(final Counter counter, final Duration size, final Instant start, final Local at,
                                       final List<String> keys) {
        final long clock = clock(counter, at);
        final List<WindowCount> windows = new ArrayList<>();
        final ReadOnlyWindowStore<String, Long> store = store(StoreNames.window(counter, size), QueryableStoreTypes.windowStore(), at);
        try (var it = store.fetchAll(start, start)) {
            while (it.hasNext()) {
                final var entry = it.next();
                keys.add(entry.key.key());
                windows.add(window(counter, size, start, entry.value, clock));
            }
        }
        return windows;
    }

    static WindowCount window(final Counter counter, final Duration size, final Instant start, final long count, final long clock) {
        final Instant end = start.plus(size);
        final boolean closed = clock != Long.MIN_VALUE && end.plus(counter.grace()).toEpochMilli() <= clock;
        return new WindowCount(Durations.format(size), start, end, count, closed);
    }

    public KafkaStreams streams() {
        return streams;
    }

    public HostInfo self() {
        return self;
    }

    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    private <T> T store(final String name, final QueryableStoreType<T> type, final Local at) {
        StoreQueryParameters<T> params = StoreQueryParameters.fromNameAndType(name, type).withPartition(at.partition());
        if (at.standby()) {
            params = params.enableStaleStores();
        }
        return streams.store(params);
    }
}
