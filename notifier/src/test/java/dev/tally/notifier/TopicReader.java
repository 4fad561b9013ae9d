package dev.tally.notifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import dev.tally.schemas.Alert;
import dev.tally.schemas.TopicAdmin;
import dev.tally.schemas.TopicSettings;
import dev.tally.schemas.Topics;

/** For the integration tests: write alerts as the processor does, read a topic to its end. */
public final class TopicReader {

    private TopicReader() {
    }

    /** Writes the alerts, keyed like the processor keys them, and waits for Kafka's acknowledgement. */
    public static void write(final String bootstrap, final List<Alert> alerts) throws Exception {
        final Properties admin = new Properties();
        admin.put("bootstrap.servers", bootstrap);
        TopicAdmin.ensureTopics(admin, TopicSettings.EMBEDDED, List.of(Topics.ALERTS, Topics.UNDELIVERED), 30_000);
        try (KafkaProducer<String, Alert> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000), Topics.ALERTS.keySerde().serializer(), Topics.ALERTS.valueSerde().serializer())) {
            for (Alert alert : alerts) {
                producer.send(new ProducerRecord<>(Topics.ALERTS.name(), alert.topicKey(), alert));
            }
            producer.flush();
        }
    }

    /** Every committed record of {@code topic} up to its end as of now. */
    public static <K, V> List<V> readAll(final String bootstrap, final Topics.Topic<K, V> topic) {
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            final List<V> values = new ArrayList<>();
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic.name() + " to its end within 30 s");
                }
                for (ConsumerRecord<K, V> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            return values;
        }
    }
}
