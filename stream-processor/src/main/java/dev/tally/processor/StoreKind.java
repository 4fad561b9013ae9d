package dev.tally.processor;

import java.time.Duration;
import java.util.Locale;

import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;

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

    KeyValueBytesStoreSupplier keyValue(final String name) {
        return this == ROCKSDB ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
    }

    WindowBytesStoreSupplier window(final String name, final Duration retention, final Duration size) {
        return this == ROCKSDB ? Stores.persistentWindowStore(name, retention, size, false)
                : Stores.inMemoryWindowStore(name, retention, size, false);
    }
}
