package dev.tally.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigFile;
import dev.tally.config.KafkaSettings;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.KeyCounts;
import dev.tally.schemas.TopicAdmin;
import dev.tally.schemas.TopicSettings;
import dev.tally.schemas.Topics;

/**
 * The live feed behind {@code /stream} started before {@code counts.updates} exists — as on a first
 * start, when the processor has only just created it and a broker may not list it yet — keeps
 * waiting for the topic and then follows it, rather than ending.
 */
class UpdateFeedIT {

    @TempDir
    Path dir;

    @Test
    void shouldFollowTheUpdatesTopicOnceItExists() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir.resolve("broker")))) {
            final ConfigFile file = ConfigFile.parse("UpdateFeedIT", QueryCluster.CONFIG.formatted("feed", ""));
            final ProcessorConfig config = ProcessorConfig.from(file, Map.of())
                    .withKafka(KafkaSettings.from(file, Map.of()).withBootstrapServers(broker.bootstrapServers()));
            try (UpdateFeed feed = new UpdateFeed(config)) {
                feed.start();   // no topic yet

                final Properties p = new Properties();
                p.put("bootstrap.servers", broker.bootstrapServers());
                TopicAdmin.ensureTopics(p, TopicSettings.EMBEDDED, List.of(Topics.COUNT_UPDATES), 30_000);
                final KeyCounts update = new KeyCounts("by_customer", "c1", 1, List.of());
                try (KafkaProducer<String, KeyCounts> producer = new KafkaProducer<>(p, Topics.COUNT_UPDATES.keySerde().serializer(),
                        Topics.COUNT_UPDATES.valueSerde().serializer())) {
                    // The feed starts from the end once it finds the topic: keep writing until it has read one.
                    QueryCluster.await(Duration.ofSeconds(60), "the feed reads counts.updates once it exists", () -> {
                        producer.send(new ProducerRecord<>(Topics.COUNT_UPDATES.name(), update.topicKey(), update));
                        producer.flush();
                        return feed.held() > 0;
                    });
                }
                assertThat(feed.held()).as("updates read by the feed").isPositive();
            }
        }
    }
}
