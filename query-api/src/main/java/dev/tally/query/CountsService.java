package dev.tally.query;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import dev.tally.processor.Counter;
import dev.tally.processor.StoreNames;
import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;

/**
 * Reads counts from the processor's local state stores (Kafka Streams interactive queries).
 * Answers only from the instance that holds the key; anything else is an explicit 503, never a
 * silently empty answer.
 */
public final class CountsService {

    /** One tumbling window's count. */
    public record WindowCount(Instant start, Instant end, long count) {
    }

    private final KafkaStreams streams;
    private final HostInfo self;

    public CountsService(final KafkaStreams streams, final HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    /** The windows of {@code size} that start within [from, to] and have a count, oldest first. */
    public List<WindowCount> windows(final Counter counter, final Duration size, final String key,
                                     final Instant from, final Instant to) {
        final String storeName = StoreNames.window(counter, size);
        final ReadOnlyWindowStore<String, Long> store = localStoreFor(storeName, key, QueryableStoreTypes.windowStore());
        final List<WindowCount> windows = new ArrayList<>();
        try (WindowStoreIterator<Long> it = store.fetch(key, from, to)) {
            while (it.hasNext()) {
                final var entry = it.next();
                final Instant start = Instant.ofEpochMilli(entry.key);
                windows.add(new WindowCount(start, start.plus(size), entry.value));
            }
        }
        return windows;
    }

    /** The all-time total of {@code key}; 0 when the key was never counted. */
    public long total(final Counter counter, final String key) {
        final ReadOnlyKeyValueStore<String, Long> store = localStoreFor(StoreNames.total(counter), key,
                QueryableStoreTypes.keyValueStore());
        final Long total = store.get(key);
        return total == null ? 0L : total;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    private <T> T localStoreFor(final String storeName, final String key, final QueryableStoreType<T> type) {
        final KeyQueryMetadata owner = streams.queryMetadataForKey(storeName, key, Serdes.String().serializer());
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            throw unavailable("The processor is starting or rebalancing; the owner of this key is not known yet.");
        }
        if (!self.equals(owner.activeHost())) {
            throw unavailable("This key is held by the processor instance at " + owner.activeHost().host() + ":"
                    + owner.activeHost().port() + "; ask that instance.");
        }
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(storeName, type)
                    .withPartition(owner.partition()));
        } catch (InvalidStateStoreException e) {
            throw new ProblemException(Problem.of(503, "store-unavailable", "Counts temporarily unavailable",
                    "The counts for this key are being restored or moved (" + e.getMessage() + "). Retry shortly."),
                    Duration.ofSeconds(1), e);
        }
    }

    private static ProblemException unavailable(final String detail) {
        return new ProblemException(Problem.of(503, "store-unavailable", "Counts temporarily unavailable", detail),
                Duration.ofSeconds(1), null);
    }
}
