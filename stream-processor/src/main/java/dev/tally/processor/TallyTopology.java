package dev.tally.processor;

import java.time.Duration;
import java.time.Instant;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

import dev.tally.config.Durations;
import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/**
 * The whole processing topology, top to bottom.
 *
 * <pre>
 *  webhooks.raw ─► dedupe ─┬─► [counter A] key by group-by ─► repartition ─┬─► window 1m ─┐
 *   (source:event_id,      │                                               ├─► window 1h ─┼─► counts.updates
 *    Envelope, event time) │                                               ├─► window 1d ─┤
 *                          │                                               └─► all-time ──┘
 *                          └─► [counter B] …
 * </pre>
 *
 * <ul>
 *   <li>Reads {@link Topics#RAW}: key {@code source:event_id}, value {@link Envelope}; windows by the
 *       envelope's event time ({@link EventTimeExtractor}). Unreadable records go to
 *       {@link Topics#DEAD_LETTER} (configured in {@link ProcessorApp}).</li>
 *   <li>{@link DedupeProcessor} drops repeated deliveries (store {@link StoreNames#DEDUPE}).</li>
 *   <li>Per counter: filter, re-key by the group-by values (repartition topic
 *       {@code <app>-<counter>-by-key-repartition}, value = the count delta), then a tumbling window
 *       store per size ({@link StoreNames#window}) and an all-time store ({@link StoreNames#total}).</li>
 *   <li>Writes every count change to {@link Topics#COUNT_UPDATES}: key {@link CountUpdate#topicKey()},
 *       value {@link CountUpdate}.</li>
 * </ul>
 */
public final class TallyTopology {

    private TallyTopology() {
    }

    public static Topology build(final ProcessorConfig config) {
        final StreamsBuilder builder = new StreamsBuilder();

        final KStream<String, Envelope> unique = builder
                .stream(Topics.RAW.name(), Consumed.with(Topics.RAW.keySerde(), Topics.RAW.valueSerde())
                        .withTimestampExtractor(new EventTimeExtractor())
                        .withName("raw"))
                .process(DedupeProcessor.supplier(config.dedupeHorizon()), Named.as("dedupe"));

        for (Counter counter : config.counters()) {
            final KGroupedStream<String, Long> byKey = unique
                    .filter((id, event) -> counter.matches(event), Named.as(counter.name() + "-filter"))
                    .map((id, event) -> KeyValue.pair(counter.key(event), 1L), Named.as(counter.name() + "-key"))
                    .groupByKey(Grouped.with(counter.name() + "-by-key", Serdes.String(), Serdes.Long()));

            for (Duration size : counter.windows()) {
                final String window = Durations.format(size);
                byKey.windowedBy(TimeWindows.ofSizeAndGrace(size, counter.grace()))
                        .reduce(Long::sum, Named.as(StoreNames.window(counter, size) + "-sum"),
                                Materialized.<String, Long, WindowStore<Bytes, byte[]>>as(StoreNames.window(counter, size))
                                        .withKeySerde(Serdes.String())
                                        .withValueSerde(Serdes.Long())
                                        .withRetention(config.queryHistory()))
                        .toStream(Named.as(StoreNames.window(counter, size) + "-changes"))
                        .map((windowed, count) -> update(new CountUpdate(counter.name(), windowed.key(), window,
                                        windowed.window().startTime(), windowed.window().endTime(), count)),
                                Named.as(StoreNames.window(counter, size) + "-update"))
                        .to(Topics.COUNT_UPDATES.name(), produced(StoreNames.window(counter, size) + "-out"));
            }

            byKey.reduce(Long::sum, Named.as(StoreNames.total(counter) + "-sum"),
                            Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(StoreNames.total(counter))
                                    .withKeySerde(Serdes.String())
                                    .withValueSerde(Serdes.Long()))
                    .toStream(Named.as(StoreNames.total(counter) + "-changes"))
                    .map((key, count) -> update(new CountUpdate(counter.name(), key, CountUpdate.ALL_TIME,
                                    (Instant) null, null, count)),
                            Named.as(StoreNames.total(counter) + "-update"))
                    .to(Topics.COUNT_UPDATES.name(), produced(StoreNames.total(counter) + "-out"));
        }
        return builder.build();
    }

    private static KeyValue<String, CountUpdate> update(final CountUpdate update) {
        return KeyValue.pair(update.topicKey(), update);
    }

    private static Produced<String, CountUpdate> produced(final String name) {
        return Produced.with(Topics.COUNT_UPDATES.keySerde(), Topics.COUNT_UPDATES.valueSerde()).withName(name);
    }
}
