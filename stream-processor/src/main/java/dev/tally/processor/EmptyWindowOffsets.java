package dev.tally.processor;

import java.io.File;
import java.time.Instant;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.OffsetCheckpoint;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

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
final class EmptyWindowOffsets extends WrappedStateStore<WindowStore<Bytes, byte[]>, Bytes, byte[]>
        implements WindowStore<Bytes, byte[]> {

    private File dir;

    private EmptyWindowOffsets(final WindowStore<Bytes, byte[]> segmented) {
        super(segmented);
    }

    /** {@code segmented}, with its stores reporting an offset while they are empty. */
    static WindowBytesStoreSupplier supplier(final WindowBytesStoreSupplier segmented) {
        return new WindowBytesStoreSupplier() {
            @Override
            public String name() {
                return segmented.name();
            }

            @Override
            public WindowStore<Bytes, byte[]> get() {
                return new EmptyWindowOffsets(segmented.get());
            }

            @Override
            public String metricsScope() {
                return segmented.metricsScope();
            }

            @Override
            public long segmentIntervalMs() {
                return segmented.segmentIntervalMs();
            }

            @Override
            public long windowSize() {
                return segmented.windowSize();
            }

            @Override
            public boolean retainDuplicates() {
                return segmented.retainDuplicates();
            }

            @Override
            public long retentionPeriod() {
                return segmented.retentionPeriod();
            }
        };
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

    @Override
    public void put(final Bytes key, final byte[] value, final long windowStartTimestamp) {
        wrapped().put(key, value, windowStartTimestamp);
    }

    @Override
    public byte[] fetch(final Bytes key, final long time) {
        return wrapped().fetch(key, time);
    }

    @Override
    public WindowStoreIterator<byte[]> fetch(final Bytes key, final long timeFrom, final long timeTo) {
        return wrapped().fetch(key, timeFrom, timeTo);
    }

    @Override
    public WindowStoreIterator<byte[]> fetch(final Bytes key, final Instant timeFrom, final Instant timeTo) {
        return wrapped().fetch(key, timeFrom, timeTo);
    }

    @Override
    public WindowStoreIterator<byte[]> backwardFetch(final Bytes key, final long timeFrom, final long timeTo) {
        return wrapped().backwardFetch(key, timeFrom, timeTo);
    }

    @Override
    public WindowStoreIterator<byte[]> backwardFetch(final Bytes key, final Instant timeFrom, final Instant timeTo) {
        return wrapped().backwardFetch(key, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetch(final Bytes keyFrom, final Bytes keyTo,
                                                           final long timeFrom, final long timeTo) {
        return wrapped().fetch(keyFrom, keyTo, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetch(final Bytes keyFrom, final Bytes keyTo,
                                                           final Instant timeFrom, final Instant timeTo) {
        return wrapped().fetch(keyFrom, keyTo, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(final Bytes keyFrom, final Bytes keyTo,
                                                                   final long timeFrom, final long timeTo) {
        return wrapped().backwardFetch(keyFrom, keyTo, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(final Bytes keyFrom, final Bytes keyTo,
                                                                   final Instant timeFrom, final Instant timeTo) {
        return wrapped().backwardFetch(keyFrom, keyTo, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> all() {
        return wrapped().all();
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardAll() {
        return wrapped().backwardAll();
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetchAll(final long timeFrom, final long timeTo) {
        return wrapped().fetchAll(timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetchAll(final Instant timeFrom, final Instant timeTo) {
        return wrapped().fetchAll(timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetchAll(final long timeFrom, final long timeTo) {
        return wrapped().backwardFetchAll(timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetchAll(final Instant timeFrom, final Instant timeTo) {
        return wrapped().backwardFetchAll(timeFrom, timeTo);
    }
}
