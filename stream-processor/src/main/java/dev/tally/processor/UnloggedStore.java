package dev.tally.processor;

import java.util.Map;
import java.util.function.Function;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;

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

    /** A builder of such a store, for a processor's {@code stores()}: never cached, never logged. */
    static <S extends UnloggedStore> StoreBuilder<S> builder(final String name, final Function<String, S> create) {
        return new StoreBuilder<>() {
            @Override
            public StoreBuilder<S> withCachingEnabled() {
                return this;
            }

            @Override
            public StoreBuilder<S> withCachingDisabled() {
                return this;
            }

            @Override
            public StoreBuilder<S> withLoggingEnabled(final Map<String, String> config) {
                throw new UnsupportedOperationException(name + " is never logged");
            }

            @Override
            public StoreBuilder<S> withLoggingDisabled() {
                return this;
            }

            @Override
            public S build() {
                return create.apply(name);
            }

            @Override
            public Map<String, String> logConfig() {
                return Map.of();
            }

            @Override
            public boolean loggingEnabled() {
                return false;
            }

            @Override
            public String name() {
                return name;
            }
        };
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
