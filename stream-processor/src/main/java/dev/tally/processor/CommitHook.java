package dev.tally.processor;

import java.util.function.Consumer;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A store that holds nothing and runs its callback right before each commit of its task, within the
 * commit's transaction: for a processor that writes its state down once per commit instead of with
 * every record, without the record cache.
 *
 * <p>Kafka Streams has no public pre-commit hook; this uses the one its record caches get: before a
 * task commits, its state manager flushes every store that is a {@link CachedStateStore} (Kafka
 * internals), then the record collector, then the transaction. What a callback writes to a logged,
 * uncached store there is sent to the changelog at once, and what it forwards to a sink is sent then
 * too, so both land in that transaction (Kafka Streams' own tables emit from their cache flush the same
 * way). Should a Kafka upgrade stop calling it, rows and {@code counts.updates} would not be written
 * and the reorder buffer's open chunk would be lost at a crash: nearly every integration test fails
 * then, {@code ProcessorCrashIT} among them.
 */
final class CommitHook extends UnloggedStore implements CachedStateStore<Object, Object> {

    private static final Runnable NOTHING = () -> {
    };

    private Runnable beforeCommit = NOTHING;

    private CommitHook(final String name) {
        super(name);
    }

    static StoreBuilder<CommitHook> builder(final String name) {
        return UnloggedStore.builder(name, CommitHook::new);
    }

    /**
     * Forwards to the children of the processor that {@code context} was given to, from
     * {@code process()} and from a callback alike. The callback runs outside {@code process()}, when
     * another node of the task is the current one, whose children a plain forward would go to: this
     * processor's node is made current for each forward (as Kafka Streams' own tables do when their
     * caches flush). Call it from the processor's {@code init}.
     */
    static <K, V> Consumer<Record<K, V>> forwarder(final ProcessorContext<K, V> context) {
        if (!(context instanceof InternalProcessorContext<?, ?> internal)) {
            return context::forward; // a unit test's mock context, which has no nodes
        }
        final ProcessorNode<?, ?, ?, ?> self = internal.currentNode();
        return record -> {
            final ProcessorNode<?, ?, ?, ?> at = internal.currentNode();
            internal.setCurrentNode(self);
            try {
                context.forward(record);
            } finally {
                internal.setCurrentNode(at);
            }
        };
    }

    /** Runs {@code callback} before every commit of the task, on its stream thread, instead of the one set before. */
    void beforeCommit(final Runnable callback) {
        beforeCommit = callback;
    }

    @Override
    public void flushCache() {
        beforeCommit.run();
    }

    @Override
    public void close() {
        beforeCommit = NOTHING;
        super.close();
    }

    @Override
    public boolean setFlushListener(final CacheFlushListener<Object, Object> listener, final boolean sendOldValues) {
        return false;
    }

    @Override
    public void clearCache() {
    }
}
