package dev.tally.processor;

import java.time.Duration;
import java.util.Set;
import java.util.function.Function;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Drops every delivery of an event after the first, by (source, event id) over the source's dedupe
 * horizon, and counts the drops in the {@code duplicates-total} metric (group {@code stream-tally-metrics}).
 *
 * <p>Reads and forwards records keyed {@code source:event_id} with {@link ReceivedEvent} values. Owns the
 * persistent window store {@link StoreNames#DEDUPE}: an id is kept from its first receive time for
 * the longest configured horizon and purged with its store segment afterwards, so the store's size is
 * bounded by the traffic of one horizon. Each id is written once, so the store has no record cache,
 * and its changelog gets the ids of one commit in one record ({@link BatchLoggedWindowStore}).
 * The horizon runs on receive time (when the gateway got each delivery), because that is the span
 * over which senders retry.
 *
 * <p>A new id is told from a stored one by {@link SeenIds}, filters in memory rebuilt from the store
 * whenever the task starts; only the ids they may hold are looked up in the store.
 */
public final class DedupeProcessor implements Processor<String, ReceivedEvent, String, ReceivedEvent> {

    private final Function<String, Duration> horizonOf;
    private final Duration longestHorizon;
    private ProcessorContext<String, ReceivedEvent> context;
    private WindowStore<String, Long> seen;
    private SeenIds known;
    private Sensor duplicates;

    DedupeProcessor(final Function<String, Duration> horizonOf, final Duration longestHorizon) {
        this.horizonOf = horizonOf;
        this.longestHorizon = longestHorizon;
    }

    /** The supplier the topology adds; it declares the store, kept for the longest horizon. */
    public static ProcessorSupplier<String, ReceivedEvent, String, ReceivedEvent> supplier(final Function<String, Duration> horizonOf,
                                                                                final Duration longestHorizon,
                                                                                final StoreKind stores) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, ReceivedEvent, String, ReceivedEvent> get() {
                return new DedupeProcessor(horizonOf, longestHorizon);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(stores.batchLoggedWindow(StoreNames.DEDUPE, longestHorizon, longestHorizon, Serdes.String(), Serdes.Long()));
            }
        };
    }

    @Override
    public void init(final ProcessorContext<String, ReceivedEvent> context) {
        this.context = context;
        this.seen = context.getStateStore(StoreNames.DEDUPE);
        this.duplicates = TallyMetrics.sensor(context, "dedupe", TallyMetrics.DUPLICATES);
        // Also when Kafka Streams initialises the task again after an aborted transaction: the store was rolled back.
        this.known = new SeenIds(longestHorizon.toMillis());
        try (KeyValueIterator<Windowed<String>, Long> it = seen.all()) {
            while (it.hasNext() && !known.isBlind()) {
                final Windowed<String> stored = it.next().key;
                known.add(stored.key(), stored.window().start());
            }
        }
    }

    @Override
    public void process(final Record<String, ReceivedEvent> record) {
        final String id = record.key();
        final long receivedAt = record.value().envelope().receivedAt().toEpochMilli();
        final long horizon = horizonOf.apply(record.value().envelope().source()).toMillis();
        // A retry arrives after the first delivery; a delivery that overtook the first one is still within the horizon of it.
        final long from = receivedAt - horizon;
        final long to = receivedAt + horizon;
        if (known.mightContain(id, from, to) && seenWithin(id, from, to)) {
            duplicates.record();
            return;
        }
        seen.put(id, receivedAt, receivedAt);
        known.add(id, receivedAt);
        context.forward(record);
    }

    private boolean seenWithin(final String id, final long from, final long to) {
        try (WindowStoreIterator<Long> it = seen.fetch(id, from, to)) {
            return it.hasNext();
        }
    }
}
