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
 *  webhooks.raw ─────► future guard ─► dedupe ─► watermark ─┬─► reorder ─► events.ordered            (processor.ordered_output)
 *  (source:event_id,     │                                  │
 *   Envelope, timestamp  └─► events.late                    ├─► [stage A] key by group-by ─► repartition ─► count ─┬─► counts.updates (before each commit)
 *   = event time)            (too far ahead)                │                                                      ├─► counts.final
 *                                                           │                                                      ├─► events.late
 *                                                           │                                                      └─► alerts
 *                                                           └─► [stage B] …
 * </pre>
 *
 * <ul>
 *   <li>Reads {@link Topics#RAW}: key {@code source:event_id}, value {@link Envelope}, parsed once and
 *       carried with its JSON bytes ({@link ReceivedEvent}); timestamps are the envelope's event time
 *       ({@link EventTimeExtractor}). Unreadable records go to
 *       {@link Topics#DEAD_LETTER} (configured in {@link ProcessorApp}).</li>
 *   <li>{@link FutureEventGuard} sends events stamped more than {@code processor.max_future_skew} ahead of
 *       the wall clock to {@link Topics#LATE}, before anything else sees them.</li>
 *   <li>{@link DedupeProcessor} drops repeated deliveries (store {@link StoreNames#DEDUPE}).</li>
 *   <li>{@link WatermarkProcessor} forwards each event at once and, on wall-clock ticks, progress marks
 *       carrying the partition's watermark.</li>
 *   <li>{@link ReorderProcessor} (unless {@code processor.ordered_output} is false) releases events in
 *       event-time order after the reorder delay (store {@link StoreNames#REORDER}) to
 *       {@link Topics#ORDERED}, with the envelope's JSON as read.</li>
 *   <li>Per {@link CountingStage} (the counters that share a {@code group_by}): {@link KeyByGroup} keeps
 *       the events its counters count, keyed by the group-by values ({@link CountEvent}), and sends
 *       them with the progress marks to the repartition topic {@code <app>-<stage>-by-key-repartition}
 *       in batches, one per partition of it and commit ({@link CountBatch}; the marks to every
 *       partition); then {@link CountingProcessor} counts on arrival and closes windows by the slowest
 *       partition's watermark, and right before each commit writes one {@link Topics#COUNT_UPDATES}
 *       record per changed key and counter.</li>
 * </ul>
 */
public final class TallyTopology {

    private TallyTopology() {
    }

    /** The topology with every input taken as read to its end (see {@link InputBacklog}): for the test driver. */
    public static Topology build(final ProcessorConfig config) {
        return build(config, InputBacklog.NONE);
    }

    /** @param backlog which raw partitions this instance has read to the end, for the watermarks' idle clocks */
    public static Topology build(final ProcessorConfig config, final InputBacklog backlog) {
        final StreamsBuilder builder = new StreamsBuilder();

        final Duration longestHorizon = config.dedupeHorizons().values().stream()
                .max(Comparator.naturalOrder())
                .filter(h -> h.compareTo(config.dedupeHorizon()) > 0)
                .orElse(config.dedupeHorizon());
        final KStream<String, ReceivedEvent> read = builder
                .stream(Topics.RAW.name(), Consumed.with(Topics.RAW.keySerde(), ReceivedEvent.SERDE)
                        .withTimestampExtractor(new EventTimeExtractor(config.maxFutureSkew()))
                        .withName("raw"))
                .process(() -> new FutureEventGuard(config.maxFutureSkew()), Named.as("future-guard"));
        // The guard forwards to one of its two children by name: events stamped too far ahead go here, ...
        read.processValues(() -> new FutureEventGuard.Report(config.maxFutureSkew()), Named.as(FutureEventGuard.FUTURE))
                .to(Topics.LATE.name(), Produced.with(Topics.LATE.keySerde(), Topics.LATE.valueSerde()).withName("future-late-out"));
        // ... every other one to the dedupe, so a future event neither enters the dedupe store nor moves the watermark.
        final KStream<String, ReceivedEvent> events = read
                .process(DedupeProcessor.supplier(config::dedupeHorizon, longestHorizon, config.stateStores()), Named.as(FutureEventGuard.ON_TIME))
                .process(() -> new WatermarkProcessor(config.reorderDelay(), config.idleAdvance(), backlog, config.counters()), Named.as("watermark"));

        if (config.orderedOutput()) {
            // The envelope's JSON as read from the raw topic, unchanged: the same format, not serialised again.
            events.process(ReorderProcessor.supplier(config.reorderDelay(), config.stateStores()), Named.as("reorder"))
                    .to(Topics.ORDERED.name(), Produced.with(Topics.ORDERED.keySerde(), ReceivedEvent.SERDE).withName("ordered-out"));
        }

        final int upstreamPartitions = config.kafka().topics().partitions();
        for (CountingStage stage : CountingStage.of(config.counters())) {
            final String name = stage.name();
            events.process(KeyByGroup.supplier(stage, upstreamPartitions), Named.as(name + "-key"))
                    .repartition(Repartitioned.with(Serdes.Integer(), CountBatch.SERDE)
                            .withNumberOfPartitions(upstreamPartitions)
                            .withStreamPartitioner(KeyByGroup.PARTITIONER).withName(stage.repartitionName()))
                    .process(CountingProcessor.supplier(stage, config.reorderDelay(), config.queryHistory(), upstreamPartitions,
                            config.stateStores()), Named.as(name + "-count"))
                    .to(Emitted.TOPIC, Produced.with(Serdes.String(), Emitted.SERDE).withName(name + "-out"));
        }
        return builder.build();
    }
}
