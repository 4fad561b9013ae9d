package dev.tally.processor;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.schemas.Topics;

/**
 * Reads records of {@link Topics#RAW} back by offset: the reorder buffer keeps where its waiting
 * events are in the raw topic, not the events, and reads them back only when a task starts with
 * events still waiting.
 */
interface RawRecords {

    /**
     * The values at {@code offsets} of {@link Topics#RAW}'s partition {@code partition}. An offset whose
     * record is gone (deleted by the topic's retention) is absent from the answer.
     *
     * @throws StreamsException when the records could not be read within the timeout (the task is started again)
     */
    Map<Long, byte[]> read(int partition, SortedSet<Long> offsets);

    /** Reads with a consumer of its own, configured as Kafka Streams configures its restore consumer (read_committed under exactly-once). */
    static RawRecords fromKafka(final Map<String, Object> appConfigs) {
        return new FromKafka(appConfigs);
    }

    /** See {@link #fromKafka}. */
    final class FromKafka implements RawRecords {

        private static final Logger LOG = LoggerFactory.getLogger(RawRecords.class);
        /** Within a stream thread's poll interval, so that a slow read restarts the task rather than the group. */
        private static final Duration TIMEOUT = Duration.ofSeconds(60);

        private final Map<String, Object> appConfigs;

        private FromKafka(final Map<String, Object> appConfigs) {
            this.appConfigs = appConfigs;
        }

        @Override
        public Map<Long, byte[]> read(final int partition, final SortedSet<Long> offsets) {
            final Map<Long, byte[]> found = new HashMap<>();
            if (offsets.isEmpty()) {
                return found;
            }
            final TopicPartition tp = new TopicPartition(Topics.RAW.name(), partition);
            final Map<String, Object> props = new StreamsConfig(appConfigs).getRestoreConsumerConfigs(
                    Thread.currentThread().getName() + "-reorder-reload-" + partition);   // the stream thread's name: unique in the JVM
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.assign(List.of(tp));
                final long oldest = consumer.beginningOffsets(List.of(tp), TIMEOUT).get(tp);
                final SortedSet<Long> wanted = offsets.tailSet(oldest);
                if (wanted.size() < offsets.size()) {
                    // Older than the topic's retention: nothing can bring them back.
                    LOG.error("{}-{}: {} events waiting in the reorder buffer were deleted by the topic's retention before they were "
                            + "written to {}; they are left out of it (their counts are not affected)", Topics.RAW.name(), partition,
                            offsets.size() - wanted.size(), Topics.ORDERED.name());
                }
                if (wanted.isEmpty()) {
                    return found;
                }
                final long last = wanted.last();
                final long deadline = System.nanoTime() + TIMEOUT.toNanos();
                consumer.seek(tp, wanted.first());
                while (consumer.position(tp) <= last) {
                    if (System.nanoTime() > deadline) {
                        throw new StreamsException("the reorder buffer could not read back " + tp + " offsets " + wanted.first() + ".."
                                + last + " within " + TIMEOUT.toSeconds() + " s");
                    }
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (wanted.contains(r.offset())) {
                            found.put(r.offset(), r.value());
                        }
                    }
                }
            }
            return found;
        }
    }
}
