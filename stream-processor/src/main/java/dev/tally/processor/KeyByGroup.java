package dev.tally.processor;

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
 * One counter's input step, in the reorder stage's task: the events the counter counts, keyed by
 * their group key with a {@link CountEvent} value, and the reorder stage's progress marks. Both are
 * tagged with this task's partition (the upstream partition), for the counter stage's clock.
 *
 * <p>Reads what {@link ReorderProcessor} forwards (events keyed {@code source:event_id}, and marks); writes
 * to the counter's repartition topic, where {@link #PARTITIONER} sends each event to its key's partition
 * and each mark to every partition.
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

    private final Counter counter;
    private ProcessorContext<String, CountEvent> context;
    private int upstream;

    KeyByGroup(final Counter counter) {
        this.counter = counter;
    }

    @Override
    public void init(final ProcessorContext<String, CountEvent> context) {
        this.context = context;
        this.upstream = context.taskId().partition();
    }

    @Override
    public void process(final Record<String, ReceivedEvent> record) {
        if (ReorderProcessor.isProgressMark(record)) {
            context.forward(new Record<>(MARK_KEY, CountEvent.progress(upstream), record.timestamp()));
            return;
        }
        final Envelope event = record.value().envelope();
        if (counter.matches(event)) {
            context.forward(new Record<>(counter.key(event),
                    new CountEvent(event.source(), event.eventId(), counter.delta(event), upstream), record.timestamp()));
        }
    }
}
