package dev.tally.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Windowed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/** The peer baseline under TopologyTestDriver, with the processing benchmark's config (1m/1h/1d, grace 1m, dedupe 24h). */
class PeerTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final Duration ONE_MINUTE = Duration.ofMinutes(1);

    @TempDir
    Path stateDir;

    private ProcessorConfig config;
    private TopologyTestDriver driver;
    private TestInputTopic<String, Envelope> raw;

    @BeforeEach
    void start() {
        config = Rig.processorConfig("unused:9092", "peer-test", Rig.Shape.standard(Duration.ZERO), stateDir);
        driver = new TopologyTestDriver(PeerTopology.build(config), PeerTopology.properties(config), T0);
        raw = driver.createInputTopic(Topics.RAW.name(), Topics.RAW.keySerde().serializer(), Topics.RAW.valueSerde().serializer());
    }

    @AfterEach
    void close() {
        driver.close();
    }

    @Test
    void shouldCountDuplicateDeliveryOnce() {
        send("e1", "a", T0.plusSeconds(5));
        send("e1", "a", T0.plusSeconds(5));
        send("e2", "a", T0.plusSeconds(20));

        assertThat(totals()).containsExactly(Map.entry("a", 2L));
        assertThat(driver.<String, Long>getKeyValueStore(PeerTopology.TOTAL_STORE).get("a")).isEqualTo(2L);
        assertThat(driver.<String, Long>getWindowStore("peer-count-1m").fetch("a", T0.toEpochMilli())).isEqualTo(2L);
        assertThat(latestUpdates("a", ONE_MINUTE)).containsExactly(KeyValue.pair(T0, 2L));
    }

    @Test
    void shouldEmitOneFinalPerWindowOnceItCloses() {
        send("e1", "a", T0.plusSeconds(5));
        send("e2", "a", T0.plusSeconds(30));
        send("e1", "a", T0.plusSeconds(40));
        send("e3", "b", T0.plus(ONE_MINUTE).plusSeconds(59));
        final TestOutputTopic<Windowed<String>, Long> finals = finals(ONE_MINUTE);
        assertThat(finals.isEmpty()).as("end + grace not reached").isTrue();

        send("e4", "b", T0.plus(ONE_MINUTE.multipliedBy(2)));
        send("e5", "b", T0.plus(ONE_MINUTE.multipliedBy(2)).plusSeconds(1));

        final List<KeyValue<Windowed<String>, Long>> closed = finals.readKeyValuesToList();
        assertThat(closed).hasSize(1);
        assertThat(closed.get(0).key.key()).isEqualTo("a");
        assertThat(closed.get(0).key.window().startTime()).isEqualTo(T0);
        assertThat(closed.get(0).value).isEqualTo(2L);

        send("e6", "b", T0.plus(ONE_MINUTE.multipliedBy(3)));
        final List<KeyValue<Windowed<String>, Long>> next = finals.readKeyValuesToList();
        assertThat(next).extracting(kv -> kv.key.key() + "@" + kv.key.window().startTime() + "=" + kv.value)
                .containsExactly("b@" + T0.plus(ONE_MINUTE) + "=1");
        assertThat(finals(Duration.ofHours(1)).isEmpty()).as("the hour is still open").isTrue();
        assertThat(finals(Duration.ofDays(1)).isEmpty()).as("the day is still open").isTrue();
    }

    @Test
    void shouldShareOneRepartitionTopicAmongEveryCount() {
        // raw → dedupe → repartition, then every count after the one repartition topic
        assertThat(PeerTopology.build(config).describe().subtopologies()).hasSize(2);
    }

    private void send(final String eventId, final String key, final Instant time) {
        final Envelope e = RawProducer.envelope(eventId, key, time);
        raw.pipeInput(e.key(), e, time);
    }

    private Map<String, Long> totals() {
        return driver.createOutputTopic(PeerTopology.TOTALS.name(), PeerTopology.TOTALS.keySerde().deserializer(),
                PeerTopology.TOTALS.valueSerde().deserializer()).readKeyValuesToMap();
    }

    private TestOutputTopic<Windowed<String>, Long> finals(final Duration size) {
        return driver.createOutputTopic(PeerTopology.finals(size).name(), PeerTopology.finals(size).keySerde().deserializer(),
                PeerTopology.finals(size).valueSerde().deserializer());
    }

    /** The latest count of each window of {@code size} of {@code key} in the updates topic, by window start. */
    private List<KeyValue<Instant, Long>> latestUpdates(final String key, final Duration size) {
        final Topics.Topic<Windowed<String>, Long> updates = PeerTopology.updates(size);
        return driver.createOutputTopic(updates.name(), updates.keySerde().deserializer(), updates.valueSerde().deserializer())
                .readKeyValuesToMap().entrySet().stream()
                .filter(e -> e.getKey().key().equals(key))
                .map(e -> KeyValue.pair(e.getKey().window().startTime(), e.getValue()))
                .toList();
    }
}
