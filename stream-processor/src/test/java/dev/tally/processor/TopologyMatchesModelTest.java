package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;

import com.fasterxml.jackson.databind.node.ObjectNode;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import dev.tally.config.Durations;
import dev.tally.config.KafkaSettings;
import dev.tally.schemas.Alert;
import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;
import dev.tally.schemas.KeyCounts;
import dev.tally.schemas.LateEvent;
import dev.tally.schemas.TopicSettings;
import dev.tally.schemas.Topics;

/**
 * Generated streams — duplicates (also across the reorder delay and past a horizon), shuffles
 * within and beyond the reorder delay, events beyond grace, equal timestamps, events exactly on
 * window edges, negative deltas and thresholds, tumbling and hopping windows — through the real topology under
 * TopologyTestDriver, compared with {@link ReferenceModel}: the ordered topic, every update, exactly
 * one final per closed window, the late topic, the alerts, and the stores.
 */
class TopologyMatchesModelTest {

    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    /** The processor's wall clock: at the flush event (a day after T0), so that only the generated future events are ahead of it. */
    private static final Instant WALL = T0.plus(Duration.ofDays(1));
    private static final Counter BY_TYPE = new Counter("by_type", Set.of(), Set.of(), List.of("event_type"),
            List.of(Duration.ofMinutes(1), Duration.ofHours(1)), Duration.ofSeconds(30), Map.of(),
            Map.of("member.left", -1L), List.of(3L, 5L));
    private static final Counter B_BY_PLAN = new Counter("b_by_plan", Set.of("b"), Set.of(), List.of("source", "/payload/plan"),
            List.of(Duration.ofMinutes(1)), Duration.ZERO, Map.of(), Map.of(), List.of(2L));
    private static final Counter HOPPING = new Counter("hopping", Set.of("a"), Set.of(), List.of("event_type"),
            List.of(Duration.ofMinutes(2)), Duration.ofSeconds(10), Map.of(), Map.of(), List.of(4L), Duration.ofSeconds(30), List.of());
    private static final ProcessorConfig CONFIG = new ProcessorConfig("model", Path.of("unused"), Duration.ofHours(24),
            Map.of("b", Duration.ofMinutes(10)), Duration.ofSeconds(5), Duration.ofSeconds(2), StoreKind.MEMORY, 64L << 20, Duration.ofDays(7),
            Duration.ofMillis(100), List.of(BY_TYPE, B_BY_PLAN, HOPPING), "127.0.0.1", 0, "127.0.0.1",
            new KafkaSettings(Map.of("bootstrap.servers", "unused:9092"), new TopicSettings(1, (short) 1, 1)));

    /** One event as the sender knows it, and when each of its deliveries arrived (ms after its event time). */
    record Sent(String source, String id, String type, long eventTimeMs, String plan, List<Long> arrivalDelaysMs) {
    }

    @Property(tries = 3000)
    void topologyMatchesTheReferenceModel(@ForAll("streams") final List<Sent> sent) {
        final List<Envelope> deliveries = deliveries(sent);
        final ReferenceModel.Output expected = ReferenceModel.run(CONFIG, deliveries, WALL);
        final Path stateDir = tempDir();
        try (TopologyTestDriver driver = new TopologyTestDriver(TallyTopology.build(CONFIG.withStateDir(stateDir)),
                ProcessorApp.streamsProperties(CONFIG.withStateDir(stateDir)), WALL)) {
            final TestInputTopic<String, Envelope> raw = driver.createInputTopic(Topics.RAW.name(),
                    Topics.RAW.keySerde().serializer(), Topics.RAW.valueSerde().serializer());
            deliveries.forEach(d -> raw.pipeInput(d.key(), d, d.receivedAt()));

            assertThat(read(driver, Topics.ORDERED)).as("events.ordered").containsExactlyElementsOf(expected.ordered());
            // Each stage is its own sub-topology: the order within a counter is defined, not across counters.
            assertThat(byCounter(read(driver, Topics.COUNT_UPDATES), KeyCounts::counter)).as("counts.updates")
                    .isEqualTo(byCounter(expected.updates(), KeyCounts::counter));
            final List<CountUpdate> finals = read(driver, Topics.COUNT_FINAL);
            assertThat(finals).as("one final per window").doesNotHaveDuplicates();
            assertThat(finals).as("counts.final").containsExactlyInAnyOrderElementsOf(expected.finals());
            assertThat(byCounter(read(driver, Topics.LATE).stream().map(TopologyMatchesModelTest::withoutReason).toList(),
                    TopologyMatchesModelTest::counterOrFuture)).as("events.late")
                    .isEqualTo(byCounter(expected.late(), TopologyMatchesModelTest::counterOrFuture));
            assertThat(byCounter(read(driver, Topics.ALERTS), Alert::counter)).as("alerts")
                    .isEqualTo(byCounter(expected.alerts(), Alert::counter));
            assertThat(windowStores(driver)).as("windows in the rows and history stores").isEqualTo(expected.windows());
            assertThat(totals(driver)).as("totals in the rows").isEqualTo(expected.totals());
        } finally {
            deleteRecursively(stateDir);
        }
    }

    @Provide
    Arbitrary<List<Sent>> streams() {
        final Arbitrary<Sent> sent = Combinators.combine(
                Arbitraries.of("a", "b"),
                Arbitraries.integers().between(1, 40).map(i -> "e" + i),
                Arbitraries.of("push", "pull", "member.left"),
                eventTimes(),
                Arbitraries.of("pro", "free").injectNull(0.2),
                arrivalDelays()
        ).as(Sent::new);
        // Unique (source, id): a retry is modelled as another arrival of the same event.
        return sent.list().ofMinSize(1).ofMaxSize(60).uniqueElements(s -> Tuple.of(s.source(), s.id()))
                .map(TopologyMatchesModelTest::withFlush);
    }

    /**
     * Event times on a 500 ms grid over ten minutes, so equal timestamps and exact window edges are common; and a
     * few from a sender whose clock is wrong: just past the future skew, 50 minutes ahead, or in 2099.
     */
    private static Arbitrary<Long> eventTimes() {
        final long wall = Duration.between(T0, WALL).toMillis();
        final long skew = CONFIG.maxFutureSkew().toMillis();
        return Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.longs().between(0, 1200).map(step -> step * 500)),
                Tuple.of(4, Arbitraries.integers().between(0, 10).map(m -> m * 60_000L)),          // a window's first ms
                Tuple.of(2, Arbitraries.integers().between(1, 10).map(m -> m * 60_000L - 1)),      // a window's last ms
                Tuple.of(1, Arbitraries.of(wall + skew, wall + skew + 1, wall + 50 * 60_000L,      // the skew's edge, beyond it
                        Duration.between(T0, Instant.parse("2099-01-01T00:00:00Z")).toMillis())));
    }

    /** Most events arrive within the reorder delay; some much later (late); some are delivered again. */
    private static Arbitrary<List<Long>> arrivalDelays() {
        final Arbitrary<Long> delay = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.longs().between(0, 4_000)),
                Tuple.of(2, Arbitraries.longs().between(4_000, 120_000)),
                Tuple.of(1, Arbitraries.longs().between(9 * 60_000, 12 * 60_000)));   // around source b's 10 min horizon
        return delay.list().ofMinSize(1).ofMaxSize(3);
    }

    /** A last event a day later moves stream time on, so every earlier window closes and is final. */
    private static List<Sent> withFlush(final List<Sent> sent) {
        final List<Sent> all = new ArrayList<>(sent);
        all.add(new Sent("a", "flush", "push", Duration.ofDays(1).toMillis(), null, List.of(0L)));
        return all;
    }

    private static List<Envelope> deliveries(final List<Sent> sent) {
        final List<Envelope> deliveries = new ArrayList<>();
        for (Sent s : sent) {
            final Instant eventTime = T0.plusMillis(s.eventTimeMs());
            // An event stamped ahead of the wall clock is received among the live traffic, as a wrong clock sends it.
            final Instant sentAt = eventTime.isAfter(WALL) ? T0.plusMillis(s.eventTimeMs() % 600_000) : eventTime;
            ObjectNode payload = null;
            if (s.plan() != null) {
                payload = Json.MAPPER.createObjectNode().put("plan", s.plan());
            }
            for (long delay : s.arrivalDelaysMs()) {
                deliveries.add(new Envelope(s.source(), s.id(), s.type(), eventTime, sentAt.plusMillis(delay),
                        null, payload, "1"));
            }
        }
        // Deliveries arrive in the order the gateway received them.
        deliveries.sort(Comparator.comparing(Envelope::receivedAt));
        return deliveries;
    }

    private static <V> List<V> read(final TopologyTestDriver driver, final Topics.Topic<String, V> topic) {
        return driver.createOutputTopic(topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer())
                .readRecordsToList().stream().map(TestRecord::value).toList();
    }

    private static <V> Map<String, List<V>> byCounter(final List<V> records, final Function<V, String> counter) {
        return records.stream().collect(Collectors.groupingBy(counter, TreeMap::new, Collectors.toList()));
    }

    private static LateEvent withoutReason(final LateEvent l) {
        return new LateEvent(l.counter(), l.key(), l.window(), l.windowStart(), l.windowEnd(), l.closedAt(), l.streamTime(),
                l.source(), l.eventId(), l.eventTime(), null, l.cause(), l.receivedAt(), l.wallClock(), l.maxFutureSkew());
    }

    /** Late events by counter; those kept out for their future timestamp under {@code (future)}. */
    private static String counterOrFuture(final LateEvent l) {
        return l.counter() == null ? "(future)" : l.counter();
    }

    private static Map<ReferenceModel.WindowId, Long> windowStores(final TopologyTestDriver driver) {
        final Map<ReferenceModel.WindowId, Long> all = new HashMap<>();
        for (CountingStage stage : CountingStage.of(CONFIG.counters())) {
            final KeyValueStore<String, KeyRow> rows = driver.getKeyValueStore(StoreNames.rows(stage));
            try (KeyValueIterator<String, KeyRow> it = rows.all()) {
                it.forEachRemaining(e -> e.value.sections.forEach(section -> section.sizes.forEach(w -> {
                    for (int k = 0; k < w.n; k++) {
                        all.put(new ReferenceModel.WindowId(section.counter, e.key, Durations.format(Duration.ofMillis(w.size)),
                                w.starts[k]), w.counts[k]);
                    }
                })));
            }
        }
        for (Counter counter : CONFIG.counters()) {
            for (Duration size : counter.windows()) {
                final WindowStore<String, Long> store = driver.getWindowStore(StoreNames.history(counter, size));
                try (KeyValueIterator<Windowed<String>, Long> it = store.all()) {
                    while (it.hasNext()) {
                        final KeyValue<Windowed<String>, Long> e = it.next();
                        final ReferenceModel.WindowId id = new ReferenceModel.WindowId(counter.name(), e.key.key(),
                                Durations.format(size), e.key.window().start());
                        assertThat(all.put(id, e.value)).as("a window is in its row or in the history, not both: " + id).isNull();
                    }
                }
            }
        }
        return all;
    }

    private static Map<String, Long> totals(final TopologyTestDriver driver) {
        final Map<String, Long> all = new HashMap<>();
        for (CountingStage stage : CountingStage.of(CONFIG.counters())) {
            final KeyValueStore<String, KeyRow> rows = driver.getKeyValueStore(StoreNames.rows(stage));
            try (KeyValueIterator<String, KeyRow> it = rows.all()) {
                it.forEachRemaining(e -> e.value.sections.forEach(section -> all.put(section.counter + "|" + e.key, section.total)));
            }
        }
        return all;
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("tally-model");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(final Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
