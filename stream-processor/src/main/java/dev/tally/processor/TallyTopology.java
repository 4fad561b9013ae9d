package dev.tally.processor;

import java.time.Duration;
import java.util.Comparator;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/**
 * The whole processing topology, top to bottom.
 *
 * <pre>
 *  webhooks.raw ─► dedupe ─► reorder ─┬─► events.ordered
 *   (source:event_id, Envelope,       │
 *    timestamp = event time)          ├─► [counter A] filter, key by group-by ─► repartition ─► windows + total ─┬─► counts.updates
 *                                     │                                                                 ├─► counts.final
 *                                     │                                                                 ├─► events.late
 *                                     │                                                                 └─► alerts
 *                                     └─► [counter B] …
 * </pre>
 *
 * <ul>
 *   <li>Reads {@link Topics#RAW}: key {@code source:event_id}, value {@link Envelope}, parsed once and
 *       carried with its JSON bytes ({@link ReceivedEvent}); timestamps are the envelope's event time
 *       ({@link EventTimeExtractor}). Unreadable records go to
 *       {@link Topics#DEAD_LETTER} (configured in {@link ProcessorApp}).</li>
 *   <li>{@link DedupeProcessor} drops repeated deliveries (store {@link StoreNames#DEDUPE}).</li>
 *   <li>{@link ReorderProcessor} releases events in event-time order after the reorder delay (store
 *       {@link StoreNames#REORDER}), written to {@link Topics#ORDERED} with the envelope's JSON as read;
 *       on each wall-clock tick it also sends a progress mark (how far it has released) to the counters.</li>
 *   <li>Per counter: {@link KeyByGroup} keeps the events the counter counts, keyed by the group-by values
 *       with the event's delta as value ({@link CountEvent}, repartition topic
 *       {@code <app>-<counter>-by-key-repartition}), and sends the progress marks to every partition of it;
 *       then {@link CounterProcessor}: the windows, the total, finals, late events and alerts, with a
 *       time that waits for the slowest partition of {@link Topics#RAW}.</li>
 * </ul>
 */
public final class TallyTopology {

    private TallyTopology() {
    }

    /** The topology with every input taken as read to its end (see {@link InputBacklog}): for the test driver. */
    public static Topology build(final ProcessorConfig config) {
        return build(config, InputBacklog.NONE);
    }

    /** @param backlog which raw partitions this instance has read to the end, for the reorder stages' idle clocks */
    public static Topology build(final ProcessorConfig config, final InputBacklog backlog) {
        final StreamsBuilder builder = new StreamsBuilder();

        final Duration longestHorizon = config.dedupeHorizons().values().stream()
                .max(Comparator.naturalOrder())
                .filter(h -> h.compareTo(config.dedupeHorizon()) > 0)
                .orElse(config.dedupeHorizon());
        final KStream<String, ReceivedEvent> ordered = builder
                .stream(Topics.RAW.name(), Consumed.with(Topics.RAW.keySerde(), ReceivedEvent.SERDE)
                        .withTimestampExtractor(new EventTimeExtractor())
                        .withName("raw"))
                .process(DedupeProcessor.supplier(config::dedupeHorizon, longestHorizon, config.stateStores()), Named.as("dedupe"))
                .process(ReorderProcessor.supplier(config.reorderDelay(), config.idleAdvance(), backlog, config.stateStores()), Named.as("reorder"));

        // The envelope's JSON as read from the raw topic, unchanged: the same format, not serialised again.
        // Not the reorder stage's progress marks (null values): they are for the counters.
        ordered.filter((id, event) -> event != null, Named.as("ordered-events"))
                .to(Topics.ORDERED.name(), Produced.with(Topics.ORDERED.keySerde(), ReceivedEvent.SERDE)
                .withName("ordered-out"));

        final int upstreamPartitions = config.kafka().topics().partitions();
        for (Counter counter : config.counters()) {
            ordered.process(() -> new KeyByGroup(counter), Named.as(counter.name() + "-key"))
                    .repartition(Repartitioned.with(Serdes.String(), CountEvent.SERDE)
                            .withStreamPartitioner(KeyByGroup.PARTITIONER).withName(counter.name() + "-by-key"))
                    .process(CounterProcessor.supplier(counter, config.queryHistory(), upstreamPartitions, config.stateStores()),
                            Named.as(counter.name() + "-count"))
                    .to(Emitted.TOPIC, Produced.with(Serdes.String(), Emitted.SERDE).withName(counter.name() + "-out"));
        }
        return builder.build();
    }
}
