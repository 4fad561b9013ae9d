package dev.tally.processor;

import java.time.Duration;
import java.util.Locale;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;

import dev.tally.config.ConfigException;

/**
 * Where the processor keeps its state: in RocksDB on disk (the default), or in memory (nothing on
 * disk; every start rebuilds the stores from their changelog topics). Both are backed by changelog
 * topics, so neither loses counts.
 */
public enum StoreKind {
    ROCKSDB, MEMORY;

    public static StoreKind parse(final String text) {
        try {
            return text == null ? ROCKSDB : valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("processor.state_stores must be rocksdb or memory, got '" + text + "'");
        }
    }

    /**
     * A key-value store with a record cache: writes to a key within one commit interval reach the
     * store and its changelog once (a count or total of a busy key).
     */
    <K, V> StoreBuilder<KeyValueStore<K, V>> keyValue(final String name, final Serde<K> keys, final Serde<V> values) {
        return uncachedKeyValue(name, keys, values).withCachingEnabled();
    }

    /**
     * A key-value store without a record cache, for keys written once and deleted later (reorder
     * buffer entries, which wait the reorder delay, far longer than a commit interval): the cache
     * would coalesce nothing, only add its own work per write and lookup and crowd out the entries of
     * stores it does help.
     */
    <K, V> StoreBuilder<KeyValueStore<K, V>> uncachedKeyValue(final String name, final Serde<K> keys, final Serde<V> values) {
        final KeyValueBytesStoreSupplier supplier = this == ROCKSDB ? Stores.persistentKeyValueStore(name)
                : Stores.inMemoryKeyValueStore(name);
        return Stores.keyValueStoreBuilder(supplier, keys, values);
    }

    /**
     * A window store without a record cache whose changelog gets the puts of one commit in one record
     * ({@link BatchLoggedWindowStore}): for keys written once (event ids; closed windows moved to the
     * history), where Kafka Streams' change logging writes a record per put.
     */
    <K, V> StoreBuilder<WindowStore<K, V>> batchLoggedWindow(final String name, final Duration retention, final Duration size,
                                                             final Serde<K> keys, final Serde<V> values) {
        return BatchLoggedWindowStore.builder(windowSupplier(name, retention, size), keys, values);
    }

    private WindowBytesStoreSupplier windowSupplier(final String name, final Duration retention, final Duration size) {
        return this == ROCKSDB
                ? EmptyWindowOffsets.supplier(Stores.persistentWindowStore(name, retention, size, false))
                : Stores.inMemoryWindowStore(name, retention, size, false);
    }
}
