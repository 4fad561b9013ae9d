package dev.tally.query;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;

import dev.tally.processor.Counter;

/** {@link Readiness.Probe} from this instance's Kafka Streams: its state, its thread metrics, its active key stores. */
final class StreamsProbe implements Readiness.Probe {

    private final CountsService counts;
    private final List<Counter> counters;

    StreamsProbe(final CountsService counts, final List<Counter> counters) {
        this.counts = counts;
        this.counters = List.copyOf(counters);
    }

    @Override
    public KafkaStreams.State state() {
        return counts.streams().state();
    }

    @Override
    public long failedThreads() {
        for (Map.Entry<MetricName, ? extends Metric> e : counts.streams().metrics().entrySet()) {
            if (e.getKey().name().equals("failed-stream-threads") && e.getKey().group().equals("stream-metrics")
                    && e.getValue().metricValue() instanceof Number n) {
                return n.longValue();
            }
        }
        return 0;
    }

    @Override
    public Set<String> unqueryableStores() {
        final Set<String> unqueryable = new TreeSet<>();
        for (Counter counter : counters) {
            final String store = counts.state().keyStore(counter);
            final String topic = counts.state().repartitionTopic(counter);
            for (ThreadMetadata thread : counts.streams().metadataForLocalThreads()) {
                for (TaskMetadata task : thread.activeTasks()) {
                    for (TopicPartition tp : task.topicPartitions()) {
                        if (tp.topic().equals(topic) && !queryable(store, tp.partition())) {
                            unqueryable.add(store + "/" + tp.partition());
                        }
                    }
                }
            }
        }
        return unqueryable;
    }

    private boolean queryable(final String store, final int partition) {
        try {
            counts.streams().store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.keyValueStore())
                    .withPartition(partition)).approximateNumEntries();
            return true;
        } catch (InvalidStateStoreException e) {
            return false;
        }
    }
}
