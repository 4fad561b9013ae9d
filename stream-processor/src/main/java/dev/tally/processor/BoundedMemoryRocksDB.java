package dev.tally.processor;

import java.util.Map;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the memory of every RocksDB store of the processor together: one block cache and one
 * write-buffer manager shared by all stores, sized by {@code processor.rocksdb_memory} (default
 * 128 MiB; a quarter of it for memtables). Without this each store has its own cache and
 * memtables, so memory grows with the number of counters, windows and partitions.
 */
public final class BoundedMemoryRocksDB implements RocksDBConfigSetter {

    /** The Streams config key carrying the total, in bytes. */
    public static final String TOTAL_BYTES = "tally.rocksdb.memory.bytes";

    private static Cache cache;
    private static WriteBufferManager writeBuffers;

    @Override
    public void setConfig(final String storeName, final Options options, final Map<String, Object> configs) {
        final long total = Long.parseLong(String.valueOf(configs.get(TOTAL_BYTES)));
        shared(total);
        final BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(writeBuffers);
        options.setMaxWriteBufferNumber(2);
        options.setWriteBufferSize(Math.min(16L << 20, total / 16));
    }

    private static synchronized void shared(final long total) {
        if (cache == null) {
            cache = new LRUCache(total, -1, false, 0.1);
            writeBuffers = new WriteBufferManager(total / 4, cache);
        }
    }

    @Override
    public void close(final String storeName, final Options options) {
        // The cache and the write-buffer manager are shared by every store of the JVM: never closed here.
    }
}
