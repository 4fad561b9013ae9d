package dev.tally.config;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import dev.tally.schemas.TopicSettings;

/**
 * Where Kafka is and how Tally's topics are created, from the {@code kafka} section of the config
 * file and the environment.
 *
 * <p>Every environment variable {@code KAFKA_X_Y} becomes the client property {@code x.y} (so
 * {@code KAFKA_BOOTSTRAP_SERVERS} sets {@code bootstrap.servers}, {@code KAFKA_SASL_MECHANISM} sets
 * {@code sasl.mechanism}) and wins over the file. With no bootstrap servers anywhere, the launcher
 * starts the embedded broker.
 *
 * @param client client properties shared by every producer, consumer, admin and Streams client
 * @param topics how missing topics are created
 */
public record KafkaSettings(Map<String, String> client, TopicSettings topics) {

    /** Variables of Kafka's own scripts, not client properties. */
    private static final Set<String> NOT_CLIENT_PROPERTIES = Set.of(
            "KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_LOG4J_OPTS",
            "KAFKA_JMX_OPTS", "KAFKA_DEBUG", "KAFKA_GC_LOG_OPTS");

    public KafkaSettings {
        client = Map.copyOf(client);
    }

    /** The {@code kafka} section as written in the file. */
    public record Section(String bootstrapServers, Map<String, String> client, Topics topics) {
        public record Topics(Integer partitions, Short replicationFactor, Integer minInsyncReplicas) {
        }
    }

    public static KafkaSettings from(final ConfigFile file, final Map<String, String> env) {
        final Section section = file.section("kafka", Section.class);
        final Map<String, String> client = new TreeMap<>();
        if (section.client() != null) {
            client.putAll(section.client());
        }
        if (section.bootstrapServers() != null) {
            client.put("bootstrap.servers", section.bootstrapServers());
        }
        env.forEach((name, value) -> {
            if (name.startsWith("KAFKA_") && !NOT_CLIENT_PROPERTIES.contains(name) && !value.isBlank()) {
                client.put(name.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        final Section.Topics t = section.topics() == null ? new Section.Topics(null, null, null) : section.topics();
        final TopicSettings defaults = TopicSettings.EMBEDDED;
        try {
            final short replication = t.replicationFactor() != null ? t.replicationFactor() : defaults.replicationFactor();
            final TopicSettings topics = new TopicSettings(
                    t.partitions() != null ? t.partitions() : defaults.partitions(),
                    replication,
                    t.minInsyncReplicas() != null ? t.minInsyncReplicas() : Math.min(2, replication));
            return new KafkaSettings(client, topics);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file.origin() + ", section 'kafka': " + e.getMessage(), e);
        }
    }

    public boolean hasBootstrapServers() {
        final String servers = client.get("bootstrap.servers");
        return servers != null && !servers.isBlank();
    }

    public String bootstrapServers() {
        return client.get("bootstrap.servers");
    }

    /** The same settings pointed at {@code bootstrapServers} (used once the embedded broker is up). */
    public KafkaSettings withBootstrapServers(final String bootstrapServers) {
        final Map<String, String> c = new TreeMap<>(client);
        c.put("bootstrap.servers", bootstrapServers);
        return new KafkaSettings(c, topics);
    }

    public Properties clientProperties() {
        final Properties props = new Properties();
        props.putAll(client);
        return props;
    }
}
