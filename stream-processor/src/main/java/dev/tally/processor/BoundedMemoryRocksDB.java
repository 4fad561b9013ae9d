package dev.tally.processor;

import java.util.Map;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the memory of every RocksDB store of the processor together: block caches and one
 * write-buffer manager shared by all stores, sized by {@code processor.rocksdb_memory} (default
 * 128 MiB; a quarter of it for memtables). Without this each store has its own cache and
 * memtables, so memory grows with the number of counters, windows and partitions.
 *
 * <p>The dedupe store's segments get a cache of their own, an eighth of the total: every event looks
 * up a new id there, which reads a data block no other lookup wants again, and in the shared cache
 * those blocks pushed out the counters' rows, which every event reads too.
 */
public final class BoundedMemoryRocksDB implements RocksDBConfigSetter {

    /** The Streams config key carrying the total, in bytes. */
    public static final String TOTAL_BYTES = "tally.rocksdb.memory.bytes";

    private static Cache cache;
    private static Cache dedupeCache;
    private static WriteBufferManager writeBuffers;

    @Override
    public void setConfig(final String storeName, final Options options, final Map<String, Object> configs) {
        final long total = Long.parseLong(String.valueOf(configs.get(TOTAL_BYTES)));
        shared(total);
        final BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        // A window store's segments are named after it: "dedupe.<segment start>".
        final boolean dedupe = storeName.equals(StoreNames.DEDUPE) || storeName.startsWith(StoreNames.DEDUPE + ".");
        table.setBlockCache(dedupe ? dedupeCache : cache);
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
            dedupeCache = new LRUCache(total / 8, -1, false, 0.1);
            cache = new LRUCache(total - total / 8, -1, false, 0.1);
            writeBuffers = new WriteBufferManager(total / 4, cache);
        }
    }

    @Override
    public void close(final String storeName, final Options options) {
        // The caches and the write-buffer manager are shared by every store of the JVM: never closed here.
    }
}
