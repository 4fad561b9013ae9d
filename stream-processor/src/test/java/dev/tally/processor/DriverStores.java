package dev.tally.processor;

import java.time.Duration;
import java.time.Instant;

import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/** Reads a test driver's stores the way the query API reads a partition's: through {@link CounterState}. */
final class DriverStores implements CounterState.Stores {

    private final TopologyTestDriver driver;

    DriverStores(final TopologyTestDriver driver) {
        this.driver = driver;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(final String storeName, final QueryableStoreType<T> type) {
        // The driver hands out the stores themselves, which implement their read-only interfaces.
        if (type instanceof QueryableStoreTypes.KeyValueStoreType) {
            return (T) driver.getKeyValueStore(storeName);
        }
        if (type instanceof QueryableStoreTypes.WindowStoreType) {
            return (T) driver.getWindowStore(storeName);
        }
        return (T) driver.getStateStore(storeName);
    }

    /** The count of {@code key}'s window of {@code size} starting at {@code start}, or null when it has none. */
    static Long windowCount(final TopologyTestDriver driver, final ProcessorConfig config, final Counter counter,
                            final Duration size, final String key, final Instant start) {
        return new CounterState(config).windows(counter, size, key, start, start, new DriverStores(driver)).stream()
                .findFirst().map(CounterState.Window::count).orElse(null);
    }

    static long total(final TopologyTestDriver driver, final ProcessorConfig config, final Counter counter, final String key) {
        return new CounterState(config).total(counter, key, new DriverStores(driver));
    }
}
