package dev.tally.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigFile;
import dev.tally.config.KafkaSettings;
import dev.tally.processor.ProcessorConfig;

/**
 * {@code /readyz} on a real broker while a stream thread fails on the same record again and again,
 * each time replaced, as in issue 14: Kafka Streams stays up (RUNNING or REBALANCING between the
 * failures), {@code /healthz} answers 200, and {@code /readyz} says 503 and why. The Kafka Streams
 * here runs a one-step topology that throws on a "poison" value, standing for any bug that fails a
 * thread; the query API reads it as it reads the processor's.
 */
class ReadinessIT {

    private static final String INPUT = "readiness-it-input";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void shouldNotBeReadyWhileAStreamThreadKeepsFailing() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir.resolve("broker")))) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(INPUT, 1, (short) 1))).all().get();
            }
            final ConfigFile file = ConfigFile.parse("ReadinessIT", """
                    processor:
                      application_id: readiness-it
                      counters: [{name: by_source, group_by: [source]}]
                    query:
                      auth: none
                    """);
            final ProcessorConfig config = ProcessorConfig.from(file, Map.of())
                    .withKafka(KafkaSettings.from(file, Map.of()).withBootstrapServers(broker.bootstrapServers()))
                    .withStateDir(dir.resolve("state")).withQueryPort(QueryCluster.freePort());
            try (KafkaStreams streams = failingOnPoison(broker.bootstrapServers());
                 QueryApp query = new QueryApp(config, new CountsService(streams, config), Clock.systemUTC(), Map.of())) {
                streams.start();
                query.start();
                final String url = "http://127.0.0.1:" + config.queryPort();
                QueryCluster.await(Duration.ofSeconds(60), "ready once RUNNING", () -> status(url + "/readyz") == 200);

                try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
                    producer.send(new ProducerRecord<>(INPUT, "k", "poison")).get();
                }
                QueryCluster.await(Duration.ofSeconds(60), "not ready once a thread failed", () -> status(url + "/readyz") == 503);
                final String detail = body(url + "/readyz");
                assertThat(detail).contains("A stream thread failed and was replaced");
                assertThat(streams.state()).as("the client is still up").isIn(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
                assertThat(status(url + "/healthz")).as("liveness is not readiness").isEqualTo(200);
            }
        }
    }

    /** A Kafka Streams whose only step throws on the value "poison"; a failed thread is replaced, as the processor's are. */
    private KafkaStreams failingOnPoison(final String bootstrap) {
        final StreamsBuilder builder = new StreamsBuilder();
        builder.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String())).foreach((key, value) -> {
            if ("poison".equals(value)) {
                throw new IllegalStateException("a bug that fails the thread on this record");
            }
        });
        final Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "readiness-it");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("streams").toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        // The failed thread's consumer does not leave the group: the rebalance that lets the client close waits for
        // its session to time out (45 s by default).
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1000);
        final KafkaStreams streams = new KafkaStreams(builder.build(), p);
        streams.setUncaughtExceptionHandler(e -> StreamThreadExceptionResponse.REPLACE_THREAD);
        return streams;
    }

    private static int status(final String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static String body(final String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
