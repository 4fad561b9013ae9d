package dev.tally.processor;

import java.io.File;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.internals.OffsetCheckpoint;

/**
 * A persistent window store that has a committed offset also while it has no segments.
 *
 * <p>Since Kafka Streams 4.3 (KIP-1035) a RocksDB window store keeps its changelog offset in its
 * segments, so one that was never written (a counter's history before any window moved out of the
 * rows, a dedupe store of a partition that got no event yet) commits nothing and, at the next start,
 * says it has no committed offset. Under exactly-once Streams then takes the task, whose other
 * stores are on disk, for one that crashed: {@code TaskCorruptedException}, and every store of the
 * task is wiped and restored, after every clean stop. A store without segments holds nothing, so
 * nothing in it can be uncommitted: it reports the offset as unknown, which restores it from the
 * changelog's start, as a new store would. A store with segments reports what they committed.
 */
final class EmptyWindowOffsets extends WindowStoreLayer {

    private File dir;

    private EmptyWindowOffsets(final WindowStore<Bytes, byte[]> segmented) {
        super(segmented);
    }

    /** {@code segmented}, with its stores reporting an offset while they are empty. */
    static WindowBytesStoreSupplier supplier(final WindowBytesStoreSupplier segmented) {
        return WindowStoreLayer.supplier(segmented, EmptyWindowOffsets::new);
    }

    @Override
    public void init(final StateStoreContext context, final StateStore root) {
        dir = new File(context.stateDir(), name()); // where the segments live, one directory each
        super.init(context, root);
    }

    @Override
    public Long committedOffset(final TopicPartition partition) {
        final Long committed = super.committedOffset(partition);
        if (committed != null) {
            return committed;
        }
        final String[] segments = dir == null ? null : dir.list();
        return segments != null && segments.length == 0 ? Long.valueOf(OffsetCheckpoint.OFFSET_UNKNOWN) : null;
    }
}
