package dev.tally.processor;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import dev.tally.schemas.Envelope;

/**
 * One counting stage's input step, in the raw partition's task: each event that a counter of the
 * stage counts, keyed by the stage's group key, with a {@link CountEvent} value naming those
 * counters and their deltas; and the watermark's progress marks. Both are tagged with this task's
 * partition (the upstream partition), for the stage's clock.
 *
 * <p>Reads what {@link WatermarkProcessor} forwards (events keyed {@code source:event_id}, and
 * marks); writes to the stage's repartition topic, where {@link #PARTITIONER} sends each event to its
 * key's partition and each mark to every partition.
 */
final class KeyByGroup implements Processor<String, ReceivedEvent, String, CountEvent> {

    /** The key of progress marks: any key would do, the partitioner sends them everywhere. */
    static final String MARK_KEY = "";

    /** Events by key as Kafka Streams would place them; progress marks to every partition. */
    static final StreamPartitioner<String, CountEvent> PARTITIONER = new StreamPartitioner<>() {
        @Override
        public Optional<Set<Integer>> partitions(final String topic, final String key, final CountEvent value, final int numPartitions) {
            if (value.isProgress()) {
                return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toUnmodifiableSet()));
            }
            return Optional.empty(); // the default: by the hash of the serialised key, as interactive queries expect
        }
    };

    private final CountingStage stage;
    private ProcessorContext<String, CountEvent> context;
    private int upstream;

    KeyByGroup(final CountingStage stage) {
        this.stage = stage;
    }

    @Override
    public void init(final ProcessorContext<String, CountEvent> context) {
        this.context = context;
        this.upstream = context.taskId().partition();
    }

    @Override
    public void process(final Record<String, ReceivedEvent> record) {
        if (WatermarkProcessor.isProgressMark(record)) {
            context.forward(new Record<>(MARK_KEY, CountEvent.progress(upstream), record.timestamp()));
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
            context.forward(new Record<>(stage.counters().get(0).key(event),
                    new CountEvent(event.source(), event.eventId(), upstream, counts), record.timestamp()));
        }
    }
}
