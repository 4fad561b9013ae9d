package dev.tally.processor;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorContextUtils;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.internals.StateRestoreCallbackAdapter;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.internals.WindowKeySchema;

/**
 * A window store whose changelog gets one record per commit, not one per put: the puts since the
 * last commit, in order, in one record ({@link #BATCH_BYTES} at most, then another). Restoring
 * expands each record back into the records Kafka Streams' own change logging would have written,
 * for the wrapped store's own restore. For the dedupe store, where every event is one put of an id
 * never written again, this takes the changelog from one record per event to one per commit; for the
 * counters' history stores, from one record per closed window moved out of its row to one per commit.
 *
 * <p>Everything else is as a logged Kafka Streams window store: the changelog is written in the
 * task's transaction (from the commit's cache flush, as {@link CommitHook}'s callbacks), restored
 * after a crash, kept by standbys, and its offsets are the wrapped store's. The changelog keeps what
 * the store keeps, plus a day: {@code cleanup.policy=delete}, {@code retention.ms} the store's
 * retention + 1 day, each record stamped with the newest window start it holds.
 *
 * <p>Kafka internals: the change logging of Kafka Streams' window stores has no public seam, so this
 * replaces it (the builder says the store is logged; what it builds has no logging layer), sends with
 * {@link InternalProcessorContext#logChange}, and hands the wrapped store a context whose
 * {@code register} wraps the restore callback. Should an upgrade change those, the dedupe store
 * would not restore and {@code ProcessorCrashIT}'s redelivery after a SIGKILL would count again.
 *
 * <p>A changelog record's value: per put, the window start (8 bytes), the key (4-byte length and
 * bytes) and the value (4-byte length, -1 for a delete, and bytes). Its key is a number of no meaning
 * to readers.
 */
final class BatchLoggedWindowStore extends WindowStoreLayer {

    /** A batch is sent once it holds this many bytes, well below Kafka's default largest record (1 MiB). */
    static final int BATCH_BYTES = 128 * 1024;

    private InternalProcessorContext<?, ?> context;
    private byte[] batch = new byte[4096];
    private int length;
    private long newest = Long.MIN_VALUE;
    private long sequence;

    private BatchLoggedWindowStore(final WindowStore<Bytes, byte[]> inner) {
        super(inner);
    }

    /**
     * A builder of a window store over {@code supplier} (which must not keep duplicates), logged in
     * batches, without a record cache.
     */
    static <K, V> StoreBuilder<WindowStore<K, V>> builder(final WindowBytesStoreSupplier supplier, final Serde<K> keys,
                                                         final Serde<V> values) {
        if (supplier.retainDuplicates()) {
            throw new IllegalArgumentException(supplier.name() + ": a store keeping duplicates numbers its puts, which the batches do not carry");
        }
        final StoreBuilder<WindowStore<K, V>> inner = Stores.windowStoreBuilder(
                WindowStoreLayer.supplier(supplier, BatchLoggedWindowStore::new), keys, values)
                .withCachingDisabled().withLoggingDisabled();
        final Map<String, String> changelog = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, String.valueOf(supplier.retentionPeriod() + Duration.ofDays(1).toMillis()));
        return new StoreBuilder<>() {
            @Override
            public StoreBuilder<WindowStore<K, V>> withCachingEnabled() {
                throw new UnsupportedOperationException(name() + " has no record cache");
            }

            @Override
            public StoreBuilder<WindowStore<K, V>> withCachingDisabled() {
                return this;
            }

            @Override
            public StoreBuilder<WindowStore<K, V>> withLoggingEnabled(final Map<String, String> config) {
                throw new UnsupportedOperationException(name() + " is logged in batches, with its own topic settings");
            }

            /** The same store without any changelog (for tests that drive a processor by hand). */
            @Override
            public StoreBuilder<WindowStore<K, V>> withLoggingDisabled() {
                return Stores.windowStoreBuilder(supplier, keys, values).withCachingDisabled().withLoggingDisabled();
            }

            @Override
            public WindowStore<K, V> build() {
                return inner.build();
            }

            @Override
            public Map<String, String> logConfig() {
                return changelog;
            }

            @Override
            public boolean loggingEnabled() {
                return true;
            }

            @Override
            public String name() {
                return inner.name();
            }
        };
    }

    @Override
    public void init(final StateStoreContext stateStoreContext, final StateStore root) {
        // Kafka Streams initialises a store again when it revives its task after an aborted transaction:
        // what was not sent was rolled back with it.
        length = 0;
        newest = Long.MIN_VALUE;
        sequence = System.currentTimeMillis() << 16;
        context = ProcessorContextUtils.asInternalProcessorContext(stateStoreContext);
        super.init(expandingRestores(context), root);
    }

    /** {@code context}, except that a restore callback registered through it is given the puts, not the batches. */
    private static StateStoreContext expandingRestores(final InternalProcessorContext<?, ?> context) {
        return (StateStoreContext) Proxy.newProxyInstance(BatchLoggedWindowStore.class.getClassLoader(),
                new Class<?>[] {InternalProcessorContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("register") && args != null && args.length >= 2
                            && args[1] instanceof StateRestoreCallback callback) {
                        final RecordBatchingStateRestoreCallback puts = StateRestoreCallbackAdapter.adapt(callback);
                        args = args.clone();
                        args[1] = (RecordBatchingStateRestoreCallback) batches -> puts.restoreBatch(expand(batches));
                    }
                    try {
                        return method.invoke(context, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** The changelog records Kafka Streams' change logging would have written for the puts in {@code batches}. */
    static List<ConsumerRecord<byte[], byte[]>> expand(final Collection<ConsumerRecord<byte[], byte[]>> batches) {
        final List<ConsumerRecord<byte[], byte[]>> puts = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> batch : batches) {
            if (batch.value() == null) {
                continue;
            }
            final ByteBuffer in = ByteBuffer.wrap(batch.value());
            try {
                while (in.hasRemaining()) {
                    final long windowStart = in.getLong();
                    final byte[] key = new byte[in.getInt()];
                    in.get(key);
                    final int valueLength = in.getInt();
                    final byte[] value = valueLength < 0 ? null : new byte[valueLength];
                    if (value != null) {
                        in.get(value);
                    }
                    final byte[] storeKey = WindowKeySchema.toStoreKeyBinary(Bytes.wrap(key), windowStart, 0).get();
                    puts.add(new ConsumerRecord<>(batch.topic(), batch.partition(), batch.offset(), batch.timestamp(),
                            TimestampType.CREATE_TIME, storeKey.length, value == null ? 0 : value.length, storeKey, value,
                            batch.headers(), Optional.empty()));
                }
            } catch (RuntimeException e) {
                throw new IllegalStateException("changelog record " + batch.topic() + "-" + batch.partition() + "@" + batch.offset()
                        + " is not a batch of window store puts", e);
            }
        }
        return puts;
    }

    @Override
    public void put(final Bytes key, final byte[] value, final long windowStartTimestamp) {
        wrapped().put(key, value, windowStartTimestamp);
        final byte[] k = key.get();
        final int size = Long.BYTES + Integer.BYTES + k.length + Integer.BYTES + (value == null ? 0 : value.length);
        if (length > 0 && length + size > BATCH_BYTES) {
            send();
        }
        if (length + size > batch.length) {
            batch = Arrays.copyOf(batch, Math.max(length + size, 2 * batch.length));
        }
        final ByteBuffer out = ByteBuffer.wrap(batch, length, size);
        out.putLong(windowStartTimestamp).putInt(k.length).put(k);
        if (value == null) {
            out.putInt(-1);
        } else {
            out.putInt(value.length).put(value);
        }
        length += size;
        newest = Math.max(newest, windowStartTimestamp);
    }

    /** Right before each commit of the task, within its transaction: the puts since the last batch. */
    @Override
    public void flushCache() {
        if (length > 0) {
            send();
        }
        super.flushCache();
    }

    private void send() {
        final byte[] key = ByteBuffer.allocate(Long.BYTES).putLong(sequence++).array();
        context.logChange(name(), Bytes.wrap(key), Arrays.copyOf(batch, length), Math.max(0, newest), new RecordHeaders(),
                wrapped().getPosition());
        length = 0;
        newest = Long.MIN_VALUE;
        if (batch.length > BATCH_BYTES) {
            batch = new byte[4096]; // one large put grew it; keep the usual size
        }
    }
}
