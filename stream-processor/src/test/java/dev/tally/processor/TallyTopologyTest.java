package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tally.config.KafkaSettings;
import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;
import dev.tally.schemas.TopicSettings;
import dev.tally.schemas.Topics;

class TallyTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final Counter BY_TYPE = new Counter("by_type", Set.of(), Set.of(), List.of("event_type"),
            List.of(Duration.ofMinutes(1), Duration.ofHours(1)), Duration.ofSeconds(30));
    private static final Counter BY_PLAN = new Counter("by_plan", Set.of("shop"), Set.of("order.created"),
            List.of("source", "/payload/plan"), List.of(Duration.ofMinutes(1)), Duration.ZERO);

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, Envelope> raw;
    private TestOutputTopic<String, CountUpdate> updates;

    private void start(final Counter... counters) {
        final ProcessorConfig config = new ProcessorConfig("test", stateDir, Duration.ofHours(24), Duration.ofDays(7),
                Duration.ofMillis(100), List.of(counters), "127.0.0.1", 0, "127.0.0.1",
                new KafkaSettings(Map.of("bootstrap.servers", "unused:9092"), TopicSettings.EMBEDDED));
        final Properties props = ProcessorApp.streamsProperties(config);
        driver = new TopologyTestDriver(TallyTopology.build(config), props);
        raw = driver.createInputTopic(Topics.RAW.name(), Topics.RAW.keySerde().serializer(), Topics.RAW.valueSerde().serializer());
        updates = driver.createOutputTopic(Topics.COUNT_UPDATES.name(), Topics.COUNT_UPDATES.keySerde().deserializer(),
                Topics.COUNT_UPDATES.valueSerde().deserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void shouldCountDuplicateDeliveryOnce() {
        start(BY_TYPE);
        send(event("e1", "push", T0.plusSeconds(5)), T0.plusSeconds(5));
        send(event("e1", "push", T0.plusSeconds(5)), T0.plusSeconds(65)); // the sender's retry a minute later
        send(event("e2", "push", T0.plusSeconds(6)), T0.plusSeconds(66));

        assertThat(windowCount(BY_TYPE, Duration.ofMinutes(1), "push", T0)).isEqualTo(2L);
        assertThat(total(BY_TYPE, "push")).isEqualTo(2L);
    }

    @Test
    void shouldCountTheSameIdFromTwoSourcesAsTwoEvents() {
        start(BY_TYPE);
        send(event("a", "e1", "push", T0), T0);
        send(event("b", "e1", "push", T0), T0);

        assertThat(total(BY_TYPE, "push")).isEqualTo(2L);
    }

    @Test
    void shouldCountAnEventAfterTheDedupeHorizonAgain() {
        start(BY_TYPE);
        send(event("e1", "push", T0), T0);
        send(event("e1", "push", T0), T0.plus(Duration.ofHours(25)));

        assertThat(total(BY_TYPE, "push")).isEqualTo(2L);
    }

    @Test
    void shouldPutEventsOnAWindowEdgeIntoTheWindowThatStartsThere() {
        start(BY_TYPE);
        send(event("last-ms", "push", T0.plusSeconds(60).minusMillis(1)), T0);
        send(event("edge", "push", T0.plusSeconds(60)), T0);
        send(event("first", "push", T0), T0);

        assertThat(windowCount(BY_TYPE, Duration.ofMinutes(1), "push", T0)).isEqualTo(2L);
        assertThat(windowCount(BY_TYPE, Duration.ofMinutes(1), "push", T0.plusSeconds(60))).isEqualTo(1L);
        assertThat(windowCount(BY_TYPE, Duration.ofHours(1), "push", T0)).isEqualTo(3L);
    }

    @Test
    void shouldGroupByAPayloadFieldAndApplyTheFilter() {
        start(BY_PLAN);
        send(order("o1", "shop", "order.created", "pro"), T0);
        send(order("o2", "shop", "order.created", "pro"), T0);
        send(order("o3", "shop", "order.created", "free"), T0);
        send(order("o4", "shop", "order.refunded", "pro"), T0);   // other type: filtered out
        send(order("o5", "other", "order.created", "pro"), T0);   // other source: filtered out
        send(order("o6", "shop", "order.created", null), T0);     // no plan: empty key part

        assertThat(total(BY_PLAN, "shop|pro")).isEqualTo(2L);
        assertThat(total(BY_PLAN, "shop|free")).isEqualTo(1L);
        assertThat(total(BY_PLAN, "shop|")).isEqualTo(1L);
        assertThat(windowCount(BY_PLAN, Duration.ofMinutes(1), "shop|pro", T0)).isEqualTo(2L);
    }

    @Test
    void shouldWriteEachCountChangeToTheUpdatesTopic() {
        start(BY_TYPE);
        send(event("e1", "push", T0.plusSeconds(1)), T0);
        send(event("e2", "push", T0.plusSeconds(2)), T0);

        final List<KeyValue<String, CountUpdate>> out = updates.readKeyValuesToList();
        assertThat(out).extracting(kv -> kv.value)
                .contains(new CountUpdate("by_type", "push", "1m", T0, T0.plusSeconds(60), 2L),
                        new CountUpdate("by_type", "push", "all", null, null, 2L));
        assertThat(out).extracting(kv -> kv.key).contains("by_type|1m|" + T0.toEpochMilli() + "|push");
    }

    @Test
    void shouldSkipAnUnreadableRecordAndKeepCounting() {
        start(BY_TYPE);
        final TestInputTopic<String, String> rawText = driver.createInputTopic(Topics.RAW.name(),
                new StringSerializer(), new StringSerializer());
        rawText.pipeInput("x:bad", "{not json", T0);
        rawText.pipeInput("x:half", "{\"source\":\"x\"}", T0);
        send(event("e1", "push", T0), T0);

        // The dead-letter records themselves are checked on the real broker (PipelineIT): the test
        // driver does not pass a handler's dead-letter records on.
        assertThat(total(BY_TYPE, "push")).isEqualTo(1L);
    }

    private void send(final Envelope event, final Instant receivedAt) {
        final Envelope delivered = new Envelope(event.source(), event.eventId(), event.eventType(), event.eventTime(),
                receivedAt, event.entityId(), event.payload(), event.schemaVersion());
        raw.pipeInput(delivered.key(), delivered, receivedAt);
    }

    private static Envelope event(final String id, final String type, final Instant time) {
        return event("src", id, type, time);
    }

    private static Envelope event(final String source, final String id, final String type, final Instant time) {
        return new Envelope(source, id, type, time, time, null, null, "1");
    }

    private static Envelope order(final String id, final String source, final String type, final String plan) {
        final ObjectNode payload = Json.MAPPER.createObjectNode();
        if (plan != null) {
            payload.put("plan", plan);
        }
        return new Envelope(source, id, type, T0, T0, null, payload, "1");
    }

    private Long windowCount(final Counter counter, final Duration size, final String key, final Instant windowStart) {
        final WindowStore<String, Long> store = driver.getWindowStore(StoreNames.window(counter, size));
        try (WindowStoreIterator<Long> it = store.fetch(key, windowStart, windowStart)) {
            return it.hasNext() ? it.next().value : null;
        }
    }

    private Long total(final Counter counter, final String key) {
        final KeyValueStore<String, Long> store = driver.getKeyValueStore(StoreNames.total(counter));
        return store.get(key);
    }
}
