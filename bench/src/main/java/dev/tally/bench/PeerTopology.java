package dev.tally.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import dev.tally.config.Durations;
import dev.tally.processor.Counter;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/**
 * The peer baseline: Tally's outputs for one counter built the way a Kafka Streams user would glue
 * them by hand in the DSL, so the processing benchmark can say what Tally adds over that.
 *
 * <pre>
 *  webhooks.raw ─► dedupe ─► filter ─► groupBy(counter key) ─┬─► windowedBy(size).count() ─┬─► peer.updates.&lt;size&gt;
 *                                      (repartition)          │    (per window size)         └─► suppress(untilWindowCloses) ─► peer.final.&lt;size&gt;
 *                                                             └─► count() ─► peer.totals
 * </pre>
 *
 * <ul>
 *   <li>Reads {@link Topics#RAW}: key {@code source:event_id}, value {@link Envelope}; record time is the
 *       envelope's event time.</li>
 *   <li>{@link Dedupe} drops repeated deliveries of an id within the dedupe horizon, as Kafka's
 *       EventDeduplication example does (window store {@link #DEDUPE_STORE}).</li>
 *   <li>Repartitions by the counter's group key ({@code <app>-peer-by-key-repartition}, value the envelope's JSON),
 *       one topic shared by every count.</li>
 *   <li>Per window size: window store {@code peer-count-<size>}, every change (coalesced by the record cache) to
 *       {@code peer.updates.<size>} and each window's count once it closed (end + grace by stream time; buffer
 *       {@code peer-final-<size>}) to {@code peer.final.<size>}; keys {@code Windowed<String>} (time-windowed
 *       serde), values longs.</li>
 *   <li>Store {@link #TOTAL_STORE}: each key's total, every change to {@link #TOTALS} (key the group key, value a long).</li>
 * </ul>
 *
 * <p>It counts the first counter of the config, tumbling windows, one per event: what the benchmark's
 * counter is. Unlike Tally it closes windows by stream time alone, so in a finite replay the newest windows
 * never close, and it has no late-event topic, idle clock or query API.
 */
final class PeerTopology {

    static final String DEDUPE_STORE = "peer-dedupe";
    static final String TOTAL_STORE = "peer-total";
    static final Topics.Topic<String, Long> TOTALS = new Topics.Topic<>("peer.totals", Serdes.String(), Serdes.Long(), null,
            "the peer's total of each key, every change");

    private PeerTopology() {
    }

    static Topology build(final ProcessorConfig config) {
        final Counter counter = config.counters().get(0);
        if (counter.hop() != null || !counter.deltas().isEmpty()) {
            throw new IllegalArgumentException("the peer counts tumbling windows, one per event; counter '" + counter.name()
                    + "' has a hop or deltas");
        }
        final StreamsBuilder builder = new StreamsBuilder();
        final KGroupedStream<String, Envelope> byKey = builder
                .stream(Topics.RAW.name(), Consumed.with(Topics.RAW.keySerde(), Topics.RAW.valueSerde())
                        .withTimestampExtractor((record, partitionTime) -> ((Envelope) record.value()).eventTime().toEpochMilli())
                        .withName("peer-raw"))
                .process(Dedupe.supplier(config.dedupeHorizon()), Named.as("peer-dedupe"))
                .filter((id, event) -> counter.matches(event), Named.as("peer-filter"))
                .groupBy((id, event) -> counter.key(event), Grouped.with("peer-by-key", Serdes.String(), Topics.RAW.valueSerde()));

        for (Duration size : counter.windows()) {
            final String w = Durations.format(size);
            final KTable<Windowed<String>, Long> counts = byKey
                    .windowedBy(TimeWindows.ofSizeAndGrace(size, counter.grace()))
                    .count(Named.as("peer-count-" + w), Materialized.<String, Long, WindowStore<Bytes, byte[]>>as("peer-count-" + w));
            counts.toStream(Named.as("peer-updates-" + w))
                    .to(updates(size).name(), Produced.with(updates(size).keySerde(), Serdes.Long()).withName("peer-updates-" + w + "-out"));
            counts.suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()).withName("peer-final-" + w))
                    .toStream(Named.as("peer-final-" + w + "-stream"))
                    .to(finals(size).name(), Produced.with(finals(size).keySerde(), Serdes.Long()).withName("peer-final-" + w + "-out"));
        }

        byKey.count(Named.as("peer-total"), Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(TOTAL_STORE))
                .toStream(Named.as("peer-total-stream"))
                .to(TOTALS.name(), Produced.with(TOTALS.keySerde(), TOTALS.valueSerde()).withName("peer-total-out"));
        return builder.build();
    }

    /** Every change of the windows of {@code size}. */
    static Topics.Topic<Windowed<String>, Long> updates(final Duration size) {
        return windowed("peer.updates." + Durations.format(size), size, "the peer's counts of its windows of this size, every change");
    }

    /** Each window of {@code size} once, when it closed. */
    static Topics.Topic<Windowed<String>, Long> finals(final Duration size) {
        return windowed("peer.final." + Durations.format(size), size, "the peer's final count of each window of this size");
    }

    /** The topics the peer writes for {@code counter}, to be created before it starts. */
    static List<Topics.Topic<?, ?>> outputs(final Counter counter) {
        final List<Topics.Topic<?, ?>> topics = new ArrayList<>();
        for (Duration size : counter.windows()) {
            topics.add(updates(size));
            topics.add(finals(size));
        }
        topics.add(TOTALS);
        return topics;
    }

    /** Kafka Streams settings as a user would write them: Tally's guarantee, commit interval and threads, otherwise the defaults. */
    static Properties properties(final ProcessorConfig config) {
        final Properties p = new Properties();
        p.putAll(config.kafka().clientProperties());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.kafka().topics().replicationFactor());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        return p;
    }

    private static Topics.Topic<Windowed<String>, Long> windowed(final String name, final Duration size, final String holds) {
        final Serde<Windowed<String>> key = WindowedSerdes.timeWindowedSerdeFrom(String.class, size.toMillis());
        return new Topics.Topic<>(name, key, Serdes.Long(), null, holds);
    }

    /**
     * Forwards the first delivery of each {@code source:event_id} and drops the others seen within the
     * horizon of it, by record (event) time. Owns the window store {@link #DEDUPE_STORE} (id to the time
     * first seen, kept for one horizon).
     */
    static final class Dedupe implements Processor<String, Envelope, String, Envelope> {

        private final long horizonMs;
        private ProcessorContext<String, Envelope> context;
        private WindowStore<String, Long> seen;

        private Dedupe(final Duration horizon) {
            this.horizonMs = horizon.toMillis();
        }

        static ProcessorSupplier<String, Envelope, String, Envelope> supplier(final Duration horizon) {
            return new ProcessorSupplier<>() {
                @Override
                public Processor<String, Envelope, String, Envelope> get() {
                    return new Dedupe(horizon);
                }

                @Override
                public Set<StoreBuilder<?>> stores() {
                    return Set.of(Stores.windowStoreBuilder(Stores.persistentWindowStore(DEDUPE_STORE, horizon, horizon, false),
                            Serdes.String(), Serdes.Long()));
                }
            };
        }

        @Override
        public void init(final ProcessorContext<String, Envelope> context) {
            this.context = context;
            this.seen = context.getStateStore(DEDUPE_STORE);
        }

        @Override
        public void process(final Record<String, Envelope> record) {
            final long time = record.timestamp();
            try (WindowStoreIterator<Long> it = seen.fetch(record.key(), time - horizonMs, time + horizonMs)) {
                if (it.hasNext()) {
                    return;
                }
            }
            seen.put(record.key(), time, time);
            context.forward(record);
        }
    }
}
