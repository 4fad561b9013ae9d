package dev.tally.query;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.HostInfo;

import dev.tally.config.Durations;
import dev.tally.processor.Counter;
import dev.tally.processor.CounterState;
import dev.tally.processor.ProcessorConfig;

/**
 * Reads counts from this instance's copy of one partition of the processor's state stores (Kafka
 * Streams interactive queries), through {@link CounterState}, the processor's one contract with
 * readers. Which partition, and whether the active store or a standby, is decided by
 * {@link KeyRouter}; a store that is not queryable here throws
 * {@link org.apache.kafka.streams.errors.InvalidStateStoreException}, which the router turns into a
 * standby read or an explicit 503.
 */
public final class CountsService {

    /**
     * One window's count, as the API answers it.
     *
     * @param isFinal whether the window closed (end + grace at or before the partition's time): its count never changes
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
    private final CounterState state;

    public CountsService(final KafkaStreams streams, final ProcessorConfig config) {
        this.streams = streams;
        this.self = QueryApp.advertised(config);
        this.state = new CounterState(config);
    }

    /**
     * The windows of each of {@code sizes} (in that order) whose start is within [from, to] and that
     * have a count, oldest first, at most {@code limit} of them from {@code cursor} on.
     */
    public Page windows(final Counter counter, final List<Duration> sizes, final String key, final Instant from,
                        final Instant to, final Cursor cursor, final int limit, final Local at) {
        final List<WindowCount> windows = new ArrayList<>();
        for (int i = cursor == null ? 0 : cursor.sizeIndex(); i < sizes.size(); i++) {
            final Duration size = sizes.get(i);
            final Instant start = cursor != null && cursor.sizeIndex() == i && cursor.start().isAfter(from) ? cursor.start() : from;
            for (CounterState.Window w : state.windows(counter, size, key, start, to, stores(at))) {
                if (windows.size() == limit) {
                    return new Page(windows, new Cursor(i, w.start()));
                }
                windows.add(new WindowCount(Durations.format(size), w.start(), w.end(), w.count(), w.isFinal()));
            }
        }
        return new Page(windows, null);
    }

    /** The all-time total of {@code key}; 0 when the key was never counted. */
    public long total(final Counter counter, final String key, final Local at) {
        return state.total(counter, key, stores(at));
    }

    /** The top {@code n} keys of one partition in the window of {@code size} starting at {@code start}. */
    public List<CounterState.KeyCount> top(final Counter counter, final Duration size, final Instant start, final int n, final Local at) {
        return state.top(counter, size, start, n, stores(at));
    }

    /** Whether a window of {@code counter} ending at {@code end} is final on the partition read at {@code at}. */
    public boolean isFinal(final Counter counter, final Instant end, final Local at) {
        return CounterState.isFinal(counter, end, state.time(counter, stores(at)));
    }

    public CounterState state() {
        return state;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public HostInfo self() {
        return self;
    }

    private CounterState.Stores stores(final Local at) {
        return new CounterState.Stores() {
            @Override
            public <T> T get(final String storeName, final org.apache.kafka.streams.state.QueryableStoreType<T> type) {
                StoreQueryParameters<T> params = StoreQueryParameters.fromNameAndType(storeName, type).withPartition(at.partition());
                if (at.standby()) {
                    params = params.enableStaleStores();
                }
                return streams.store(params);
            }
        };
    }
}
