package dev.tally.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import dev.tally.schemas.Topics;

/**
 * Whether the peer counted every event: the sum over keys of each key's latest total in
 * {@link PeerTopology#TOTALS}, read committed to its end once the peer has drained. Its windows cannot say
 * it: in a replay the newest windows never close by stream time, so their finals never come.
 */
final class PeerCheck {

    private PeerCheck() {
    }

    /** The events the peer counted, or -1 when its totals topic could not be read to its end within two minutes. */
    static long counted(final String bootstrap) {
        return sumOfLatest(bootstrap, PeerTopology.TOTALS);
    }

    /**
     * The events the peer's windows of {@code size} hold: the sum of each window's latest count in
     * {@link PeerTopology#updates}, or -1 as for {@link #counted}. Fewer than it counted in its totals: events
     * it skipped as late, for a window its stream time (the newest event time read from any upstream partition)
     * had closed.
     */
    static long countedInWindows(final String bootstrap, final Duration size) {
        return sumOfLatest(bootstrap, PeerTopology.updates(size));
    }

    private static <K> long sumOfLatest(final String bootstrap, final Topics.Topic<K, Long> topic) {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final Map<K, Long> latest = new HashMap<>();
        try (KafkaConsumer<K, Long> consumer = new KafkaConsumer<>(p, topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic.name(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) {
                    return -1;
                }
                consumer.poll(Duration.ofMillis(200)).forEach(r -> latest.put(r.key(), r.value()));
            }
        }
        return latest.values().stream().mapToLong(Long::longValue).sum();
    }
}
