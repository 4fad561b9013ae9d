package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.WindowKeySchema;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dedupe store's changelog: the puts of one commit in one record, and expanded back, on restore,
 * into exactly the records Kafka Streams' own change logging would have written. (Restoring from a
 * real broker after a SIGKILL: {@code ProcessorCrashIT}.)
 */
class BatchLoggedWindowStoreTest {

    private static final String STORE = "ids";
    private static final String CHANGELOG = "app-" + STORE + "-changelog";
    private static final long T0 = Instant.parse("2026-12-07T10:00:00Z").toEpochMilli();

    @TempDir
    Path stateDir;

    /** Puts each comma-separated id of a record's value with the record's timestamp as window start; "-id" deletes it. */
    private static final class Putter implements Processor<String, String, Void, Void> {
        private WindowStore<String, Long> store;

        @Override
        public void init(final ProcessorContext<Void, Void> context) {
            store = context.getStateStore(STORE);
        }

        @Override
        public void process(final Record<String, String> record) {
            for (String id : record.value().split(",")) {
                if (id.startsWith("-")) {
                    store.put(id.substring(1), null, record.timestamp());
                } else {
                    store.put(id, record.timestamp(), record.timestamp());
                }
            }
        }
    }

    @Test
    void shouldWriteTheCommitsPutsInOneRecordAndExpandThemBackAsChangeLoggingWouldHave() {
        for (StoreKind kind : StoreKind.values()) {
            try (TopologyTestDriver driver = driver(kind)) {
                final TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
                in.pipeInput("r1", "a,b,ü-id", T0);          // the test driver commits after each input record
                in.pipeInput("r2", "c", T0 + 5);
                in.pipeInput("r3", "-b", T0);

                final List<TestRecord<byte[], byte[]>> batches = driver.createOutputTopic(CHANGELOG, new ByteArrayDeserializer(),
                        new ByteArrayDeserializer()).readRecordsToList();
                assertThat(batches).as(kind + ": one record per commit").hasSize(3);
                assertThat(batches).extracting(TestRecord::timestamp).as("the newest window start each holds")
                        .containsExactly(T0, T0 + 5, T0);

                final List<ConsumerRecord<byte[], byte[]>> puts = BatchLoggedWindowStore.expand(asConsumed(batches));
                assertThat(puts).extracting(p -> keyOf(p))
                        .containsExactly("a", "b", "ü-id", "c", "b");
                assertThat(puts).extracting(p -> windowStartOf(p))
                        .containsExactly(T0, T0, T0, T0 + 5, T0);
                // What ChangeLoggingWindowBytesStore writes for the same put: key, window start, sequence number 0.
                assertThat(puts.get(0).key()).isEqualTo(WindowKeySchema.toStoreKeyBinary(Bytes.wrap("a".getBytes(StandardCharsets.UTF_8)), T0, 0).get());
                assertThat(puts.get(0).value()).isEqualTo(Serdes.Long().serializer().serialize("", T0));
                assertThat(puts.get(4).value()).as("a delete").isNull();
                assertThat(puts).extracting(ConsumerRecord::offset).containsExactly(0L, 0L, 0L, 1L, 2L);

                final WindowStore<String, Long> store = driver.getWindowStore(STORE);
                try (WindowStoreIterator<Long> b = store.fetch("b", T0 - 1, T0 + 10)) {
                    assertThat(b.hasNext()).as("the store itself is written as before").isFalse();
                }
                assertThat(store.fetch("a", T0)).isEqualTo(T0);
            }
        }
    }

    @Test
    void shouldStartAnotherRecordOnceOneIsFull() {
        try (TopologyTestDriver driver = driver(StoreKind.ROCKSDB)) {
            final TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            final List<String> ids = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                ids.add("event-" + i);
            }
            in.pipeInput("r", String.join(",", ids), T0);   // one commit, about 500 KB of puts

            final List<TestRecord<byte[], byte[]>> batches = driver.createOutputTopic(CHANGELOG, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()).readRecordsToList();
            assertThat(batches).hasSizeGreaterThanOrEqualTo(4);
            assertThat(batches).allSatisfy(b -> assertThat(b.value().length).isLessThanOrEqualTo(BatchLoggedWindowStore.BATCH_BYTES));
            assertThat(BatchLoggedWindowStore.expand(asConsumed(batches)))
                    .extracting(p -> keyOf(p)).containsExactlyElementsOf(ids);
        }
    }

    @Test
    void shouldAskForAChangelogThatKeepsWhatTheStoreKeeps() {
        final var builder = StoreKind.ROCKSDB.batchLoggedWindow(STORE, Duration.ofHours(24), Duration.ofHours(24), Serdes.String(),
                Serdes.Long());
        assertThat(builder.loggingEnabled()).isTrue();
        assertThat(builder.logConfig()).containsEntry("cleanup.policy", "delete")
                .containsEntry("retention.ms", String.valueOf(Duration.ofHours(48).toMillis()));
    }

    private TopologyTestDriver driver(final StoreKind kind) {
        final Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "in");
        topology.addProcessor("put", Putter::new, "in");
        topology.addStateStore(kind.batchLoggedWindow(STORE, Duration.ofHours(24), Duration.ofHours(24), Serdes.String(), Serdes.Long()),
                "put");
        final Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "app");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(kind.name()).toString());
        return new TopologyTestDriver(topology, p);
    }

    /** A window store's changelog key: the key, the window start (8 bytes), a sequence number (4 bytes). */
    private static String keyOf(final ConsumerRecord<byte[], byte[]> put) {
        return new String(put.key(), 0, put.key().length - 12, StandardCharsets.UTF_8);
    }

    private static long windowStartOf(final ConsumerRecord<byte[], byte[]> put) {
        return ByteBuffer.wrap(put.key()).getLong(put.key().length - 12);
    }

    private static List<ConsumerRecord<byte[], byte[]>> asConsumed(final List<TestRecord<byte[], byte[]>> records) {
        final List<ConsumerRecord<byte[], byte[]>> consumed = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            final TestRecord<byte[], byte[]> r = records.get(i);
            consumed.add(new ConsumerRecord<>(CHANGELOG, 0, i, r.timestamp(), TimestampType.CREATE_TIME, r.key().length,
                    r.value().length, r.key(), r.value(), new RecordHeaders(), Optional.empty()));
        }
        return consumed;
    }
}
