package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tally.config.KafkaSettings;
import dev.tally.schemas.Alert;
import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;
import dev.tally.schemas.KeyCounts;
import dev.tally.schemas.LateEvent;
import dev.tally.schemas.TopicSettings;
import dev.tally.schemas.Topics;

/** The real topology under TopologyTestDriver, one rule per test. */
class TallyTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final Duration ONE_MINUTE = Duration.ofMinutes(1);
    private static final Counter BY_TYPE = new Counter("by_type", Set.of(), Set.of(), List.of("event_type"),
            List.of(ONE_MINUTE, Duration.ofHours(1)), Duration.ofSeconds(30));

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, Envelope> raw;
    private ProcessorConfig config;

    private void start(final Counter... counters) {
        start(Map.of(), counters);
    }

    private void start(final Map<String, Duration> horizons, final Counter... counters) {
        start(config(horizons, counters));
    }

    private void start(final ProcessorConfig processorConfig) {
        config = processorConfig;
        driver = new TopologyTestDriver(TallyTopology.build(config), ProcessorApp.streamsProperties(config), T0);
        raw = driver.createInputTopic(Topics.RAW.name(), Topics.RAW.keySerde().serializer(), Topics.RAW.valueSerde().serializer());
    }

    private ProcessorConfig config(final Map<String, Duration> horizons, final Counter... counters) {
        return new ProcessorConfig("test", stateDir, Duration.ofHours(24), horizons,
                Duration.ofSeconds(5), Duration.ofSeconds(3), StoreKind.ROCKSDB, 64L << 20, Duration.ofDays(7), Duration.ofMillis(100),
                List.of(counters), "127.0.0.1", 0, "127.0.0.1",
                new KafkaSettings(Map.of("bootstrap.servers", "unused:9092"), new TopicSettings(1, (short) 1, 1)));
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
        drain();

        assertThat(windowCount(BY_TYPE, ONE_MINUTE, "push", T0)).isEqualTo(2L);
        assertThat(total(BY_TYPE, "push")).isEqualTo(2L);
    }

    @Test
    void shouldDropEveryRetryOfManyIds() {
        start(BY_TYPE);
        // Many ids, each looked up by a range scan of the store (with the processor's RocksDB settings,
        // BoundedMemoryRocksDB), then every one retried.
        final int ids = 300;
        for (int i = 0; i < ids; i++) {
            send(event("evt-" + i, "push", T0), T0.plusMillis(i));
        }
        for (int i = ids - 1; i >= 0; i--) {
            send(event("evt-" + i, "push", T0), T0.plusSeconds(600).plusMillis(i)); // every one retried
        }
        send(event("evt-new", "push", T0), T0.plusSeconds(700));
        drain();

        assertThat(total(BY_TYPE, "push")).isEqualTo(ids + 1L);
    }

    @Test
    void shouldCountTheSameIdFromTwoSourcesAsTwoEvents() {
        start(BY_TYPE);
        send(event("a", "e1", "push", T0), T0);
        send(event("b", "e1", "push", T0), T0);
        drain();

        assertThat(total(BY_TYPE, "push")).isEqualTo(2L);
    }

    @Test
    void shouldCountAnEventAfterTheDedupeHorizonAgain() {
        start(BY_TYPE);
        send(event("e1", "push", T0), T0);
        send(event("e1", "push", T0.plusSeconds(1)), T0.plus(Duration.ofHours(25)));
        drain();

        assertThat(total(BY_TYPE, "push")).isEqualTo(2L);
    }

    @Test
    void shouldUseEachSourcesOwnDedupeHorizon() {
        start(Map.of("slack", Duration.ofMinutes(10)), BY_TYPE);
        send(event("slack", "e1", "push", T0), T0);
        send(event("slack", "e1", "push", T0), T0.plus(Duration.ofMinutes(11)));  // past slack's 10 minutes
        send(event("stripe", "e1", "push", T0), T0);
        send(event("stripe", "e1", "push", T0), T0.plus(Duration.ofMinutes(11))); // within the default 24 h
        drain();

        assertThat(total(BY_TYPE, "push")).isEqualTo(3L);
    }

    @Test
    void shouldDropARetryOfADeliveryThatWasCountedAgainPastItsHorizon() {
        start(Map.of("slack", Duration.ofMinutes(10)), BY_TYPE);
        send(event("slack", "e1", "push", T0), T0);
        send(event("slack", "e1", "push", T0), T0.plus(Duration.ofMinutes(11)));  // past the horizon: counted again
        send(event("slack", "e1", "push", T0), T0.plus(Duration.ofMinutes(15)));  // within it of the second delivery
        send(event("slack", "e1", "push", T0), T0.minus(Duration.ofMinutes(1)));  // overtaken: within it of the first only
        drain();

        assertThat(total(BY_TYPE, "push")).isEqualTo(2L);
    }

    @Test
    void shouldPutEventsOnAWindowEdgeIntoTheWindowThatStartsThere() {
        start(BY_TYPE);
        send(event("first", "push", T0), T0);
        send(event("last-ms", "push", T0.plusSeconds(60).minusMillis(1)), T0);
        send(event("edge", "push", T0.plusSeconds(60)), T0);
        drain();

        assertThat(windowCount(BY_TYPE, ONE_MINUTE, "push", T0)).isEqualTo(2L);
        assertThat(windowCount(BY_TYPE, ONE_MINUTE, "push", T0.plusSeconds(60))).isEqualTo(1L);
        assertThat(windowCount(BY_TYPE, Duration.ofHours(1), "push", T0)).isEqualTo(3L);
    }

    @Test
    void shouldGroupByAPayloadFieldAndApplyTheFilters() {
        final Counter byPlan = new Counter("by_plan", Set.of("shop"), Set.of("order.created"),
                List.of("source", "/payload/plan"), List.of(ONE_MINUTE), Duration.ZERO,
                Map.of("/region", Set.of("eu", "us")), Map.of(), List.of());
        start(byPlan);
        send(order("o1", "shop", "order.created", "pro", "eu"), T0);
        send(order("o2", "shop", "order.created", "pro", "us"), T0);
        send(order("o3", "shop", "order.created", "free", "eu"), T0);
        send(order("o4", "shop", "order.refunded", "pro", "eu"), T0);  // other type
        send(order("o5", "other", "order.created", "pro", "eu"), T0);  // other source
        send(order("o6", "shop", "order.created", "pro", "apac"), T0); // other region
        send(order("o7", "shop", "order.created", null, "eu"), T0);    // no plan: empty key part
        drain();

        assertThat(total(byPlan, "shop|pro")).isEqualTo(2L);
        assertThat(total(byPlan, "shop|free")).isEqualTo(1L);
        assertThat(total(byPlan, "shop|")).isEqualTo(1L);
        assertThat(windowCount(byPlan, ONE_MINUTE, "shop|pro", T0)).isEqualTo(2L);
    }

    @Test
    void shouldWriteEachChangedKeysLatestCountsToTheUpdatesTopic() {
        start(BY_TYPE);
        send(event("e1", "push", T0.plusSeconds(1)), T0);
        send(event("e2", "push", T0.plusSeconds(2)), T0);

        // The test driver commits after every input record, so each event's counts are the latest of a commit.
        final List<TestRecord<String, KeyCounts>> out = output(Topics.COUNT_UPDATES);
        assertThat(out).extracting(TestRecord::getKey).containsOnly("by_type|push");
        assertThat(out).extracting(TestRecord::value).containsExactly(
                new KeyCounts("by_type", "push", 1, List.of(new KeyCounts.Window("1m", T0, T0.plusSeconds(60), 1),
                        new KeyCounts.Window("1h", T0, T0.plusSeconds(3600), 1))),
                new KeyCounts("by_type", "push", 2, List.of(new KeyCounts.Window("1m", T0, T0.plusSeconds(60), 2),
                        new KeyCounts.Window("1h", T0, T0.plusSeconds(3600), 2))));
    }

    @Test
    void shouldCountAnEventOnArrivalWithoutWaitingForTheReorderDelay() {
        start(BY_TYPE);
        send(event("e1", "push", T0.plusSeconds(1)), T0);

        assertThat(total(BY_TYPE, "push")).isEqualTo(1L);
        assertThat(windowCount(BY_TYPE, ONE_MINUTE, "push", T0)).isEqualTo(1L);
        assertThat(output(Topics.ORDERED)).as("the ordered branch still waits out the delay").isEmpty();
    }

    @Test
    void shouldLeaveClosedWindowsOutOfTheUpdatesAndListThemOnceInTheFinals() {
        start(BY_TYPE);
        send(event("a", "push", T0.plusSeconds(10)), T0);
        send(event("b", "push", T0.plusSeconds(130)), T0);   // time 125 s: the first minute closed at 90 s

        final List<KeyCounts> out = output(Topics.COUNT_UPDATES).stream().map(TestRecord::value).toList();
        assertThat(out.get(out.size() - 1).windows()).containsExactly(
                new KeyCounts.Window("1m", T0.plusSeconds(120), T0.plusSeconds(180), 1),
                new KeyCounts.Window("1h", T0, T0.plusSeconds(3600), 2));
        assertThat(output(Topics.COUNT_FINAL)).extracting(TestRecord::value)
                .containsExactly(new CountUpdate("by_type", "push", "1m", T0, T0.plusSeconds(60), 1L));
    }

    @Test
    void shouldCountCountersWithTheSameGroupByInOneStage() {
        final Counter pushes = new Counter("pushes", Set.of(), Set.of("push"), List.of("event_type"), List.of(ONE_MINUTE), Duration.ZERO);
        start(BY_TYPE, pushes);
        send(event("e1", "push", T0), T0);
        send(event("e2", "pull", T0), T0);

        assertThat(CountingStage.of(config.counters())).singleElement().extracting(CountingStage::name).isEqualTo("by-event_type");
        assertThat(driver.producedTopicNames()).contains("test-by-event_type-by-key-repartition");
        assertThat(total(BY_TYPE, "push")).isEqualTo(1L);
        assertThat(total(BY_TYPE, "pull")).isEqualTo(1L);
        assertThat(total(pushes, "push")).isEqualTo(1L);
        assertThat(total(pushes, "pull")).isZero();
        assertThat(windowCount(pushes, ONE_MINUTE, "push", T0)).isEqualTo(1L);
    }

    @Test
    void shouldWriteNoOrderedTopicWhenOrderedOutputIsOff() {
        start(config(Map.of(), BY_TYPE).withOrderedOutput(false));
        send(event("a", "push", T0), T0);
        send(event("b", "push", T0.plusSeconds(60)), T0);
        drain();

        assertThat(driver.producedTopicNames()).doesNotContain(Topics.ORDERED.name());
        assertThat(total(BY_TYPE, "push")).isEqualTo(2L);
    }

    @Test
    void shouldReleaseShuffledEventsInEventTimeOrderKeepingEqualTimestamps() {
        start(BY_TYPE);
        send(event("c", "push", T0.plusSeconds(3)), T0);
        send(event("a", "push", T0.plusSeconds(1)), T0);
        send(event("b2", "push", T0.plusSeconds(2)), T0);
        send(event("b1", "push", T0.plusSeconds(2)), T0);
        drain();

        final List<TestRecord<String, Envelope>> ordered = output(Topics.ORDERED);
        assertThat(ordered).extracting(r -> r.value().eventId()).containsExactly("a", "b1", "b2", "c");
        assertThat(ordered).extracting(TestRecord::getRecordTime)
                .containsExactly(T0.plusSeconds(1), T0.plusSeconds(2), T0.plusSeconds(2), T0.plusSeconds(3));
    }

    @Test
    void shouldWriteEachEnvelopeToTheOrderedTopicAsItWasReadFromRaw() {
        start(BY_TYPE);
        // Field order, spacing and an escaped character as another writer might produce them: passed on
        // unchanged, not re-serialised.
        final String json = "{ \"event_id\": \"e\\u0031\", \"source\": \"src\", \"event_type\": \"push\", "
                + "\"event_time\": \"2026-11-22T10:00:01Z\", \"received_at\": \"2026-11-22T10:00:01.5Z\", \"payload\": {\"n\": 1} }";
        driver.createInputTopic(Topics.RAW.name(), new StringSerializer(), new StringSerializer())
                .pipeInput("src:e1", json, T0.plusSeconds(1));
        drain();

        final List<TestRecord<String, String>> ordered = driver.createOutputTopic(Topics.ORDERED.name(),
                new StringDeserializer(), new StringDeserializer()).readRecordsToList();
        assertThat(ordered).extracting(TestRecord::getKey).containsExactly("src:e1");
        assertThat(ordered).extracting(TestRecord::getValue).containsExactly(json);
        assertThat(ordered).extracting(TestRecord::getRecordTime).containsExactly(T0.plusSeconds(1));
        assertThat(total(BY_TYPE, "push")).isEqualTo(1L);
    }

    @Test
    void shouldHoldEventsForTheReorderDelay() {
        start(BY_TYPE);
        send(event("a", "push", T0), T0);
        send(event("b", "push", T0.plusSeconds(4)), T0);
        assertThat(output(Topics.ORDERED)).isEmpty();

        send(event("c", "push", T0.plusSeconds(5)), T0);
        assertThat(output(Topics.ORDERED)).extracting(r -> r.value().eventId()).containsExactly("a");
    }

    @Test
    void shouldSendAnEventBeyondGraceToTheLateTopicAndNeverChangeTheFinal() {
        start(BY_TYPE);
        send(event("on-time", "push", T0.plusSeconds(10)), T0);
        send(event("moves-time", "push", T0.plusSeconds(120)), T0);  // time passes 1:00 + 30 s grace + 5 s delay
        drain();
        send(event("too-late", "push", T0.plusSeconds(20)), T0);
        drain();

        assertThat(windowCount(BY_TYPE, ONE_MINUTE, "push", T0)).isEqualTo(1L);
        assertThat(windowCount(BY_TYPE, Duration.ofHours(1), "push", T0)).isEqualTo(3L); // the hour is still open
        assertThat(total(BY_TYPE, "push")).isEqualTo(3L);
        final List<LateEvent> late = output(Topics.LATE).stream().map(TestRecord::value).toList();
        assertThat(late).singleElement().satisfies(l -> {
            assertThat(l.eventId()).isEqualTo("too-late");
            assertThat(l.window()).isEqualTo("1m");
            assertThat(l.windowStart()).isEqualTo(T0);
            assertThat(l.closedAt()).isEqualTo(T0.plusSeconds(90));
        });
        final List<CountUpdate> finals = output(Topics.COUNT_FINAL).stream().map(TestRecord::value)
                .filter(u -> u.window().equals("1m") && u.windowStart().equals(T0)).toList();
        assertThat(finals).containsExactly(new CountUpdate("by_type", "push", "1m", T0, T0.plusSeconds(60), 1L));
    }

    @Test
    void shouldKeepEventsStampedBeyondTheFutureSkewOutOfEveryCountAndWriteThemLate() {
        start(BY_TYPE);
        final Instant in2099 = Instant.parse("2099-01-01T00:00:00Z");
        send(event("live-1", "push", T0.plusSeconds(1)), T0.plusSeconds(1));
        send(event("f-2099", "push", in2099), T0.plusSeconds(2));                              // a sender's clock in 2099
        send(event("f-50m", "push", T0.plus(Duration.ofMinutes(50))), T0.plusSeconds(2),       // another producer's record,
                T0.plus(Duration.ofMinutes(50)));                                               // its Kafka timestamp to match
        send(event("f-2099", "push", T0.plusSeconds(3)), T0.plusSeconds(3));                   // the same id, corrected
        send(event("live-2", "push", T0.plusSeconds(4)), T0.plusSeconds(4));
        drain();
        assertThat(output(Topics.COUNT_FINAL)).as("the future events moved no watermark: the first minute is still open").isEmpty();

        for (int i = 0; i < 15; i++) {
            advanceWallClock(Duration.ofSeconds(10));   // the wall clock closes the first minute, as it would live
        }
        assertThat(windowCount(BY_TYPE, ONE_MINUTE, "push", T0)).isEqualTo(3L);
        assertThat(total(BY_TYPE, "push")).isEqualTo(3L);
        assertThat(output(Topics.COUNT_FINAL)).extracting(TestRecord::value).filteredOn(u -> u.window().equals("1m"))
                .containsExactly(new CountUpdate("by_type", "push", "1m", T0, T0.plusSeconds(60), 3L));
        assertThat(output(Topics.ORDERED)).extracting(r -> r.value().eventId()).containsExactly("live-1", "f-2099", "live-2");
        final List<TestRecord<String, LateEvent>> late = output(Topics.LATE);
        assertThat(late).extracting(TestRecord::key).containsExactly("src:f-2099", "src:f-50m");
        assertThat(late).extracting(TestRecord::getRecordTime).as("timestamped with the wall clock").containsOnly(T0);
        assertThat(late).extracting(TestRecord::value).allSatisfy(l -> {
            assertThat(l.cause()).isEqualTo(LateEvent.FUTURE_TIMESTAMP);
            assertThat(l.wallClock()).isEqualTo(T0);
            assertThat(l.receivedAt()).isEqualTo(T0.plusSeconds(2));
            assertThat(l.maxFutureSkew()).isEqualTo("5m");
            assertThat(l.counter()).isNull();
        });
        assertThat(late.get(0).value().eventTime()).isEqualTo(in2099);
    }

    @Test
    void shouldCountAnEventExactlyTheFutureSkewAheadOfTheWallClockButNotOneMillisecondMore() {
        start(BY_TYPE);
        final Instant limit = T0.plus(ProcessorConfig.DEFAULT_MAX_FUTURE_SKEW);
        send(event("at-limit", "push", limit), T0, limit);
        send(event("beyond", "push", limit.plusMillis(1)), T0, limit.plusMillis(1));
        drain();

        assertThat(total(BY_TYPE, "push")).isEqualTo(1L);
        assertThat(output(Topics.LATE)).extracting(TestRecord::key).containsExactly("src:beyond");
    }

    @Test
    void shouldFinaliseAWindowOnceWhenTrafficStops() {
        start(BY_TYPE);
        send(event("a", "push", T0.plusSeconds(10)), T0.plusSeconds(10));
        send(event("b", "push", T0.plusSeconds(20)), T0.plusSeconds(20));
        assertThat(output(Topics.COUNT_FINAL)).isEmpty();

        // No more events: only the wall clock moves, as it would in production.
        advanceWallClock(Duration.ofSeconds(20));
        advanceWallClock(Duration.ofSeconds(40));
        advanceWallClock(Duration.ofSeconds(40));
        final List<CountUpdate> finals = output(Topics.COUNT_FINAL).stream().map(TestRecord::value).toList();
        assertThat(finals).containsExactly(new CountUpdate("by_type", "push", "1m", T0, T0.plusSeconds(60), 2L));

        advanceWallClock(Duration.ofMinutes(10));
        assertThat(output(Topics.COUNT_FINAL).stream().map(TestRecord::value).filter(u -> u.window().equals("1m")))
                .isEmpty();
    }

    @Test
    void shouldCountAnEventInEveryHoppingWindowThatContainsIt() {
        final Counter hopping = new Counter("hopping", Set.of(), Set.of(), List.of("source"), List.of(ONE_MINUTE),
                Duration.ZERO, Map.of(), Map.of(), List.of(), Duration.ofSeconds(20), List.of());
        start(hopping);
        send(event("a", "push", T0.plusSeconds(50)), T0);   // in the windows starting at 0:00, 0:20 and 0:40
        send(event("b", "push", T0.plusSeconds(60)), T0);   // 0:20, 0:40, 1:00
        drain();

        assertThat(windowCount(hopping, ONE_MINUTE, "src", T0)).isEqualTo(1L);
        assertThat(windowCount(hopping, ONE_MINUTE, "src", T0.plusSeconds(20))).isEqualTo(2L);
        assertThat(windowCount(hopping, ONE_MINUTE, "src", T0.plusSeconds(40))).isEqualTo(2L);
        assertThat(windowCount(hopping, ONE_MINUTE, "src", T0.plusSeconds(60))).isEqualTo(1L);
        assertThat(windowCount(hopping, ONE_MINUTE, "src", T0.minusSeconds(20))).isNull();
    }

    @Test
    void shouldLetDeltasTakeACountDown() {
        final Counter members = new Counter("members", Set.of(), Set.of("member.joined", "member.left"), List.of("source"),
                List.of(ONE_MINUTE), Duration.ZERO, Map.of(), Map.of("member.left", -1L), List.of());
        start(members);
        send(event("j1", "member.joined", T0), T0);
        send(event("j2", "member.joined", T0.plusSeconds(1)), T0);
        send(event("l1", "member.left", T0.plusSeconds(2)), T0);
        drain();

        assertThat(total(members, "src")).isEqualTo(1L);
        assertThat(windowCount(members, ONE_MINUTE, "src", T0)).isEqualTo(1L);
    }

    @Test
    void shouldAlertOnceWhenACountFirstReachesAThreshold() {
        final Counter members = new Counter("members", Set.of(), Set.of(), List.of("source"),
                List.of(ONE_MINUTE), Duration.ZERO, Map.of(), Map.of("member.left", -1L), List.of(2L));
        start(members);
        send(event("j1", "member.joined", T0), T0);
        send(event("j2", "member.joined", T0.plusSeconds(1)), T0);   // reaches 2: alert
        send(event("l1", "member.left", T0.plusSeconds(2)), T0);     // back to 1
        send(event("j3", "member.joined", T0.plusSeconds(3)), T0);   // 2 again: no second alert
        drain();

        assertThat(output(Topics.ALERTS)).extracting(TestRecord::value).containsExactly(
                new Alert("members", "src", "1m", T0, T0.plusSeconds(60), 2L, 2L, "j2", T0.plusSeconds(1)));
    }

    @Test
    void shouldSkipAnUnreadableRecordAndKeepCounting() {
        start(BY_TYPE);
        final TestInputTopic<String, String> rawText = driver.createInputTopic(Topics.RAW.name(),
                new StringSerializer(), new StringSerializer());
        rawText.pipeInput("x:bad", "{not json", T0);
        rawText.pipeInput("x:half", "{\"source\":\"x\"}", T0);
        send(event("e1", "push", T0), T0);
        drain();

        // The dead-letter records themselves are checked on the real broker (PipelineIT): the test
        // driver does not pass a handler's dead-letter records on.
        assertThat(total(BY_TYPE, "push")).isEqualTo(1L);
    }

    @Test
    void shouldCreateBeforeTheStartTheRepartitionTopicsTheTopologyWritesTo() {
        final Counter bySource = new Counter("by_source", Set.of(), Set.of(), List.of("source"), List.of(ONE_MINUTE), Duration.ZERO);
        final Counter pushes = new Counter("pushes", Set.of(), Set.of("push"), List.of("event_type"), List.of(ONE_MINUTE), Duration.ZERO);
        final ProcessorConfig two = config(Map.of(), BY_TYPE, bySource, pushes);

        final Set<String> written = new TreeSet<>();
        for (TopologyDescription.Subtopology sub : TallyTopology.build(two).describe().subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Sink sink && sink.topic() != null && sink.topic().endsWith("-repartition")) {
                    written.add(two.applicationId() + "-" + sink.topic());
                }
            }
        }
        final List<NewTopic> created = ProcessorApp.repartitionTopics(two, 6);

        // A topic the topology writes to but the processor did not create first makes the assignor create
        // it, and the rebalance that follows can move a restoring task (see ProcessorApp.repartitionTopics).
        assertThat(created).extracting(NewTopic::name).containsExactlyInAnyOrderElementsOf(written).hasSize(2);
        assertThat(created).allSatisfy(topic -> {
            assertThat(topic.numPartitions()).isEqualTo(6);
            assertThat(topic.configs()).containsEntry("cleanup.policy", "delete").containsEntry("retention.ms", "-1");
        });
    }

    private void send(final Envelope event, final Instant receivedAt) {
        final Envelope delivered = new Envelope(event.source(), event.eventId(), event.eventType(), event.eventTime(),
                receivedAt, event.entityId(), event.payload(), event.schemaVersion());
        raw.pipeInput(delivered.key(), delivered, receivedAt);
    }

    /** A delivery whose Kafka record timestamp is not its receive time, as another producer may write it. */
    private void send(final Envelope event, final Instant receivedAt, final Instant kafkaTimestamp) {
        final Envelope delivered = new Envelope(event.source(), event.eventId(), event.eventType(), event.eventTime(),
                receivedAt, event.entityId(), event.payload(), event.schemaVersion());
        raw.pipeInput(delivered.key(), delivered, kafkaTimestamp);
    }

    /** Lets the wall clock run long enough for every buffered event to be released and counted. */
    private void drain() {
        advanceWallClock(Duration.ofSeconds(10));
    }

    private void advanceWallClock(final Duration by) {
        driver.advanceWallClockTime(by);
    }

    private static Envelope event(final String id, final String type, final Instant time) {
        return event("src", id, type, time);
    }

    private static Envelope event(final String source, final String id, final String type, final Instant time) {
        return new Envelope(source, id, type, time, time, null, null, "1");
    }

    private static Envelope order(final String id, final String source, final String type, final String plan,
                                  final String region) {
        final ObjectNode payload = Json.MAPPER.createObjectNode().put("region", region);
        if (plan != null) {
            payload.put("plan", plan);
        }
        return new Envelope(source, id, type, T0, T0, null, payload, "1");
    }

    private <V> List<TestRecord<String, V>> output(final Topics.Topic<String, V> topic) {
        return driver.createOutputTopic(topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer())
                .readRecordsToList();
    }

    private Long windowCount(final Counter counter, final Duration size, final String key, final Instant windowStart) {
        return DriverStores.windowCount(driver, config, counter, size, key, windowStart);
    }

    private long total(final Counter counter, final String key) {
        return DriverStores.total(driver, config, counter, key);
    }
}
