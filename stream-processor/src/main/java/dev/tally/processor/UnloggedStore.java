package dev.tally.processor;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;

/**
 * What a store kept only in memory and never logged shares: its name, and being open between
 * {@link #init} and {@link #close}. Kafka Streams still wants it registered, with a restore step that
 * has nothing to restore; what it holds is rebuilt (or not needed) after a restart.
 */
abstract class UnloggedStore implements StateStore {

    private final String name;
    private volatile boolean open;

    UnloggedStore(final String name) {
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final void init(final StateStoreContext context, final StateStore root) {
        context.register(root, (key, value) -> {
        });
        open = true;
    }

    @Override
    public void close() {
        open = false;
    }

    @Override
    public final boolean persistent() {
        return false;
    }

    @Override
    public final boolean isOpen() {
        return open;
    }
}
