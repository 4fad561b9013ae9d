package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/** How a counting stage's events and marks leave the raw side: batched per partition of the repartition topic, sent at commit. */
class KeyByGroupTest {

    private static final int PARTITIONS = 3;
    private static final int UPSTREAM = 1;
    private static final long T0 = Instant.parse("2026-12-07T10:00:00Z").toEpochMilli();
    private static final Counter BY_TYPE = new Counter("by_type", Set.of(), Set.of(), List.of("event_type"),
            List.of(Duration.ofMinutes(1)), Duration.ZERO);
    private static final Counter ORDERS = new Counter("orders", Set.of(), Set.of("order.created"), List.of("event_type"),
            List.of(Duration.ofMinutes(1)), Duration.ZERO);
    private static final CountingStage STAGE = CountingStage.of(List.of(BY_TYPE, ORDERS)).get(0);

    @Test
    void shouldSendEachEventToItsKeysPartitionAndEveryMarkToAllOfThemAtTheCommit() {
        final MockProcessorContext<Integer, CountBatch> context = context();
        final KeyByGroup key = start(context);
        final List<String> types = List.of("order.created", "push", "issue", "star", "fork", "release", "order.created");
        for (int i = 0; i < types.size(); i++) {
            key.process(event("e" + i, types.get(i), T0 + i));
        }
        key.process(new Record<>(null, null, T0 - 5_000));
        key.process(event("e7", "push", T0 + 7));
        assertThat(context.forwarded()).as("nothing leaves before the commit").isEmpty();

        commit(context);

        final List<Record<Integer, CountBatch>> sent = sent(context);
        assertThat(sent).extracting(Record::key).doesNotHaveDuplicates().containsExactlyInAnyOrder(0, 1, 2);
        final List<String> keysSent = new ArrayList<>();
        for (Record<Integer, CountBatch> batch : sent) {
            final List<CountBatch.Entry> entries = batch.value().entries();
            // The mark, in every batch, after the events sent before it and before the ones sent after it.
            final int mark = indexOfMark(entries);
            assertThat(entries.get(mark).timestamp()).isEqualTo(T0 - 5_000);
            assertThat(entries.get(mark).event().upstream()).isEqualTo(UPSTREAM);
            for (int i = 0; i < entries.size(); i++) {
                final CountBatch.Entry entry = entries.get(i);
                if (i == mark) {
                    continue;
                }
                assertThat(partitionOf(entry.key())).as(entry.key()).isEqualTo(batch.key());
                assertThat(entry.event().upstream()).isEqualTo(UPSTREAM);
                assertThat(entry.event().eventId().equals("e7")).isEqualTo(i > mark);
                keysSent.add(entry.key());
            }
            assertThat(batch.timestamp()).isEqualTo(entries.stream().mapToLong(CountBatch.Entry::timestamp).max().orElseThrow());
        }
        assertThat(keysSent).containsExactlyInAnyOrderElementsOf(List.of("order.created", "push", "issue", "star", "fork", "release",
                "order.created", "push"));
        final CountBatch.Entry order = sent.stream().flatMap(b -> b.value().entries().stream())
                .filter(e -> "e0".equals(e.event().eventId())).findFirst().orElseThrow();
        assertThat(order.event().counts()).containsExactly(new CountEvent.Counted("by_type", 1), new CountEvent.Counted("orders", 1));
        assertThat(order.event().source()).isEqualTo("shop");
        assertThat(order.timestamp()).isEqualTo(T0);

        context.resetForwards();
        commit(context);
        assertThat(context.forwarded()).as("a commit with nothing new sends nothing").isEmpty();
    }

    @Test
    void shouldSendABatchOnceItIsFullAndLoseNoEvent() {
        final MockProcessorContext<Integer, CountBatch> context = context();
        final KeyByGroup key = start(context);
        final int events = 20_000; // about 60 bytes each, all of one key: several full batches
        for (int i = 0; i < events; i++) {
            key.process(event("event-" + i, "push", T0 + i));
        }
        final int full = sent(context).size();
        assertThat(full).as("sent before the commit, full").isGreaterThanOrEqualTo(3);
        commit(context);
        final List<Record<Integer, CountBatch>> sent = sent(context);
        assertThat(sent).hasSize(full + 1);
        final List<String> ids = new ArrayList<>();
        for (Record<Integer, CountBatch> batch : sent) {
            assertThat(batch.key()).isEqualTo(partitionOf("push"));
            assertThat(CountBatch.SERDE.serializer().serialize("t", batch.value()).length).isLessThanOrEqualTo(KeyByGroup.BATCH_BYTES);
            batch.value().entries().forEach(e -> ids.add(e.event().eventId()));
        }
        assertThat(ids).hasSize(events).first().isEqualTo("event-0");
        assertThat(ids).last().isEqualTo("event-" + (events - 1));
        assertThat(ids).isSortedAccordingTo((a, b) -> Integer.compare(Integer.parseInt(a.substring(6)), Integer.parseInt(b.substring(6))));
    }

    @Test
    void shouldSendNothingForAnEventNoCounterCountsAndDropWhatARevivedTaskHadNotSent() {
        final Counter pushes = new Counter("pushes", Set.of(), Set.of("push"), List.of("event_type"), List.of(Duration.ofMinutes(1)),
                Duration.ZERO);
        final CountingStage stage = CountingStage.of(List.of(pushes)).get(0);
        final MockProcessorContext<Integer, CountBatch> context = context(stage);
        final KeyByGroup key = new KeyByGroup(stage, PARTITIONS);
        key.init(context);
        key.process(event("e1", "star", T0));
        commit(context, stage);
        assertThat(context.forwarded()).isEmpty();

        key.process(event("e2", "push", T0));
        key.init(context); // Kafka Streams revives the task after an aborted transaction: e2 was rolled back with it
        key.process(event("e3", "push", T0));
        commit(context, stage);
        assertThat(sent(context)).singleElement().satisfies(b ->
                assertThat(b.value().entries()).extracting(e -> e.event().eventId()).containsExactly("e3"));
    }

    @Test
    void shouldRouteEachBatchToThePartitionItIsFor() {
        final CountBatch batch = new CountBatch(List.of(new CountBatch.Entry(KeyByGroup.MARK_KEY, T0, CountEvent.progress(0))));
        assertThat(KeyByGroup.PARTITIONER.partitions("t", 2, batch, 3)).contains(Set.of(2));
        assertThatThrownBy(() -> KeyByGroup.PARTITIONER.partitions("t", 3, batch, 3))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("kafka.topics.partitions");
    }

    private static int indexOfMark(final List<CountBatch.Entry> entries) {
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).event().isProgress()) {
                assertThat(entries.get(i).key()).isEqualTo(KeyByGroup.MARK_KEY);
                return i;
            }
        }
        throw new AssertionError("no mark in " + entries);
    }

    /** Where the producer's default partitioner puts the key, as interactive queries look for it. */
    private static int partitionOf(final String key) {
        return BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), PARTITIONS);
    }

    private static List<Record<Integer, CountBatch>> sent(final MockProcessorContext<Integer, CountBatch> context) {
        return context.forwarded().stream()
                .map(f -> new Record<Integer, CountBatch>(f.record().key(), f.record().value(), f.record().timestamp())).toList();
    }

    private static KeyByGroup start(final MockProcessorContext<Integer, CountBatch> context) {
        final KeyByGroup key = new KeyByGroup(STAGE, PARTITIONS);
        key.init(context);
        return key;
    }

    private static void commit(final MockProcessorContext<Integer, CountBatch> context) {
        commit(context, STAGE);
    }

    /** What Kafka Streams does right before the task's commit. */
    private static void commit(final MockProcessorContext<Integer, CountBatch> context, final CountingStage stage) {
        final CommitHook hook = context.getStateStore(StoreNames.keyCommit(stage));
        hook.flushCache();
    }

    private static MockProcessorContext<Integer, CountBatch> context() {
        return context(STAGE);
    }

    private static MockProcessorContext<Integer, CountBatch> context(final CountingStage stage) {
        final MockProcessorContext<Integer, CountBatch> context = new MockProcessorContext<>(new Properties(),
                new TaskId(0, UPSTREAM), null);
        final CommitHook hook = CommitHook.builder(StoreNames.keyCommit(stage)).build();
        hook.init(context.getStateStoreContext(), hook);
        context.addStateStore(hook);
        return context;
    }

    private static Record<String, ReceivedEvent> event(final String id, final String type, final long eventTime) {
        final Envelope e = new Envelope("shop", id, type, Instant.ofEpochMilli(eventTime), Instant.ofEpochMilli(T0), null, null, "1");
        return new Record<>(e.key(), new ReceivedEvent(e, Topics.RAW.valueSerde().serializer().serialize(Topics.RAW.name(), e)), eventTime);
    }
}
