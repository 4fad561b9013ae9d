package dev.tally.processor;

import java.util.List;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A key-value store that keeps nothing, under the record cache of the table that coalesces
 * {@code counts.updates}: the cache holds the latest value of each key until the commit flushes it
 * downstream (within the commit's transaction), and nothing needs to stay after that — a key's
 * counts live in the stage's rows. Without it the table would keep every key it ever saw.
 */
final class DiscardingStore extends UnloggedStore implements KeyValueStore<Bytes, byte[]> {

    private DiscardingStore(final String name) {
        super(name);
    }

    static KeyValueBytesStoreSupplier supplier(final String name) {
        return new KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public KeyValueStore<Bytes, byte[]> get() {
                return new DiscardingStore(name);
            }

            @Override
            public String metricsScope() {
                return "discarding";
            }
        };
    }

    @Override
    public void put(final Bytes key, final byte[] value) {
    }

    @Override
    public byte[] putIfAbsent(final Bytes key, final byte[] value) {
        return null;
    }

    @Override
    public void putAll(final List<KeyValue<Bytes, byte[]>> entries) {
    }

    @Override
    public byte[] delete(final Bytes key) {
        return null;
    }

    @Override
    public byte[] get(final Bytes key) {
        return null;
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(final Bytes from, final Bytes to) {
        return empty();
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        return empty();
    }

    @Override
    public long approximateNumEntries() {
        return 0;
    }

    private static KeyValueIterator<Bytes, byte[]> empty() {
        return new KeyValueIterator<>() {
            @Override
            public void close() {
            }

            @Override
            public Bytes peekNextKey() {
                throw new java.util.NoSuchElementException();
            }

            @Override
            public boolean hasNext() {
                return false;
            }

            @Override
            public KeyValue<Bytes, byte[]> next() {
                throw new java.util.NoSuchElementException();
            }
        };
    }
}
