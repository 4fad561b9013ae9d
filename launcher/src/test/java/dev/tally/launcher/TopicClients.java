package dev.tally.launcher;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

import dev.tally.config.ConfigFile;
import dev.tally.config.KafkaSettings;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/**
 * For the integration tests on one embedded broker: a processor config pointed at it, a producer to the
 * raw topic, a committed-only reader of an output topic.
 */
final class TopicClients {

    private TopicClients() {
    }

    /** {@code file}'s processor section, on the broker at {@code bootstrap}, query API on a free port. */
    static ProcessorConfig processorConfig(final ConfigFile file, final String bootstrap, final Path stateDir) {
        return ProcessorConfig.from(file, Map.of("TALLY_QUERY_PORT", "0"))
                .withKafka(KafkaSettings.from(file, Map.of()).withBootstrapServers(bootstrap))
                .withStateDir(stateDir);
    }

    static KafkaProducer<String, Envelope> rawProducer(final String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                Topics.RAW.keySerde().serializer(), Topics.RAW.valueSerde().serializer());
    }

    /** Reads {@code topic} from the beginning, only what committed transactions wrote. */
    static <K, V> KafkaConsumer<K, V> reader(final String bootstrap, final Topics.Topic<K, V> topic) {
        final KafkaConsumer<K, V> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + topic.name(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer());
        consumer.subscribe(Set.of(topic.name()));
        return consumer;
    }
}
