package dev.tally.processor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;

import dev.tally.schemas.Envelope;

/**
 * One counting stage's input step, in the raw partition's task: each event that a counter of the
 * stage counts, keyed by the stage's group key, with a {@link CountEvent} naming those counters and
 * their deltas; and the watermark's progress marks. Both are tagged with this task's partition (the
 * upstream partition), for the stage's clock.
 *
 * <p>Reads what {@link WatermarkProcessor} forwards (events keyed {@code source:event_id}, and
 * marks); writes to the stage's repartition topic in {@link CountBatch}es, one per partition of that
 * topic: an event goes into the batch of its key's partition (where the producer's default
 * partitioner would send the key, as interactive queries expect), a mark into every batch. A batch is
 * sent right before each commit ({@link CommitHook}) or when it reaches {@link #BATCH_BYTES}. Under
 * exactly-once nothing a task writes is readable before its commit, so holding the events until then
 * delays no count.
 */
final class KeyByGroup implements Processor<String, ReceivedEvent, Integer, CountBatch> {

    /** The key of progress marks in a batch. */
    static final String MARK_KEY = "";

    /** A batch is sent once it holds this many bytes, well below Kafka's default largest record (1 MiB). */
    static final int BATCH_BYTES = 256 * 1024;

    /** Each batch to the partition its key names. */
    static final StreamPartitioner<Integer, CountBatch> PARTITIONER = new StreamPartitioner<>() {
        @Override
        public Optional<Set<Integer>> partitions(final String topic, final Integer partition, final CountBatch batch, final int numPartitions) {
            if (partition >= numPartitions) {
                throw new IllegalStateException(topic + " has " + numPartitions + " partitions, the processor was built for more "
                        + "(kafka.topics.partitions); delete the topic or fix the setting");
            }
            return Optional.of(Set.of(partition));
        }
    };

    private final CountingStage stage;
    private final int partitions;
    private final List<List<CountBatch.Entry>> batches;
    /** Per batch, its size as sent: at most {@link #BATCH_BYTES}, unless one entry alone is larger. */
    private final int[] bytes;
    private Consumer<Record<Integer, CountBatch>> forward;
    private int upstream;

    /** @param partitions the partitions of the stage's repartition topic */
    KeyByGroup(final CountingStage stage, final int partitions) {
        this.stage = stage;
        this.partitions = partitions;
        this.batches = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            batches.add(new ArrayList<>());
        }
        this.bytes = new int[partitions];
        Arrays.fill(bytes, CountEventSerde.HEADER);
    }

    /** The supplier the topology adds, with the stage's commit hook. */
    static ProcessorSupplier<String, ReceivedEvent, Integer, CountBatch> supplier(final CountingStage stage, final int partitions) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, ReceivedEvent, Integer, CountBatch> get() {
                return new KeyByGroup(stage, partitions);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(CommitHook.builder(StoreNames.keyCommit(stage)));
            }
        };
    }

    @Override
    public void init(final ProcessorContext<Integer, CountBatch> context) {
        // Kafka Streams initialises the same instance again when it revives a task after an aborted transaction:
        // the batches not sent were rolled back with it.
        for (int p = 0; p < partitions; p++) {
            batches.get(p).clear();
            bytes[p] = CountEventSerde.HEADER;
        }
        this.upstream = context.taskId().partition();
        this.forward = CommitHook.forwarder(context);
        final CommitHook commit = context.getStateStore(StoreNames.keyCommit(stage));
        commit.beforeCommit(this::sendAll);
    }

    @Override
    public void process(final Record<String, ReceivedEvent> record) {
        if (WatermarkProcessor.isProgressMark(record)) {
            final CountBatch.Entry mark = new CountBatch.Entry(MARK_KEY, record.timestamp(), CountEvent.progress(upstream));
            for (int p = 0; p < partitions; p++) {
                add(p, mark);
            }
            return;
        }
        final Envelope event = record.value().envelope();
        List<CountEvent.Counted> counts = null;
        for (Counter counter : stage.counters()) {
            if (counter.matches(event)) {
                if (counts == null) {
                    counts = new ArrayList<>(stage.counters().size());
                }
                counts.add(new CountEvent.Counted(counter.name(), counter.delta(event)));
            }
        }
        if (counts != null) {
            // Counters of one stage share the group-by fields, so any of them computes the key.
            final String key = stage.counters().get(0).key(event);
            add(BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), partitions),
                    new CountBatch.Entry(key, record.timestamp(), new CountEvent(event.source(), event.eventId(), upstream, counts)));
        }
    }

    private void add(final int partition, final CountBatch.Entry entry) {
        final int size = CountEventSerde.size(entry);
        if (!batches.get(partition).isEmpty() && bytes[partition] + size > BATCH_BYTES) {
            send(partition);
        }
        batches.get(partition).add(entry);
        bytes[partition] += size;
    }

    /** Right before each commit: every batch that holds something. */
    private void sendAll() {
        for (int p = 0; p < partitions; p++) {
            if (!batches.get(p).isEmpty()) {
                send(p);
            }
        }
    }

    private void send(final int partition) {
        final List<CountBatch.Entry> entries = batches.get(partition);
        long newest = 0;
        for (CountBatch.Entry entry : entries) {
            newest = Math.max(newest, entry.timestamp());
        }
        forward.accept(new Record<>(partition, new CountBatch(entries), newest));
        entries.clear();
        bytes[partition] = CountEventSerde.HEADER;
    }
}
