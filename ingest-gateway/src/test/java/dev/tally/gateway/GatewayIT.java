package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigFile;
import dev.tally.config.KafkaSettings;
import dev.tally.schemas.Json;
import dev.tally.schemas.Topics;

/** The gateway against a real broker: 202 only once Kafka holds the event, 503 while it cannot. */
class GatewayIT {

    private static final String CONFIG = """
            gateway:
              port: 0
              ack_timeout: 2s
              sources:
                shop:
                  secrets: [{env: GW_IT_SECRET}]
            """;
    private static final Map<String, String> ENV = Map.of("GW_IT_SECRET", DeliveryScenario.SECRET);

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldAnswer202OnlyForWhatKafkaHoldsAnd503WhileKafkaIsDown() throws Exception {
        final EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dataDir));
        final ConfigFile file = ConfigFile.parse("GatewayIT", CONFIG);
        final GatewayConfig config = GatewayConfig.from(file, ENV)
                .withKafka(KafkaSettings.from(file, ENV).withBootstrapServers(broker.bootstrapServers()));
        try (GatewayApp gateway = new GatewayApp(config, ENV, Clock.systemUTC()).start()) {
            final String base = "http://127.0.0.1:" + gateway.port();

            final HttpResponse<String> accepted = post(base, DeliveryScenario.valid().build());
            assertThat(accepted.statusCode()).isEqualTo(202);
            assertThat(Json.MAPPER.readTree(accepted.body()).get("event_ids").get(0).asText()).isEqualTo("evt-1");
            final ConsumerRecord<String, String> record = readOne(broker.bootstrapServers());
            assertThat(record.key()).isEqualTo("shop:evt-1");
            assertThat(Json.MAPPER.readTree(record.value()).get("event_type").asText()).isEqualTo("order.created");
            assertThat(new String(record.headers().lastHeader("tally.source").value(), StandardCharsets.UTF_8)).isEqualTo("shop");
            assertThat(new String(record.headers().lastHeader("tally.secret-index").value(), StandardCharsets.UTF_8)).isEqualTo("0");

            final HttpResponse<String> tooLarge = post(base, DeliveryScenario.valid().withBody("x".repeat(2 * 1024 * 1024)).build());
            assertThat(tooLarge.statusCode()).isEqualTo(413);
            assertThat(tooLarge.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            final HttpResponse<String> noRoute = get(base + "/webhooks/shop");
            assertThat(noRoute.statusCode()).isEqualTo(404);
            assertThat(noRoute.body()).contains("POST /webhooks/{source}");

            broker.close();

            final long start = System.nanoTime();
            final HttpResponse<String> refused = post(base, DeliveryScenario.valid().withBody("""
                    {"event_id":"evt-2","event_type":"t","timestamp":"2026-11-22T10:00:00Z","schema_version":"1"}""").build());
            final Duration waited = Duration.ofNanos(System.nanoTime() - start);
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(waited).as("bounded by the ack timeout").isLessThan(Duration.ofSeconds(10));

            assertThat(get(base + "/healthz").statusCode()).isEqualTo(200);
            assertThat(get(base + "/readyz").statusCode()).isEqualTo(503);
        }
    }

    private HttpResponse<String> post(final String base, final Delivery delivery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/webhooks/shop"))
                .header("X-Signature", delivery.header("X-Signature"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body()))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(final String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static ConsumerRecord<String, String> readOne(final String bootstrap) {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "gateway-it");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        final List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of(Topics.RAW.name()));
            final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (records.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        assertThat(records).hasSize(1);
        return records.get(0);
    }
}
