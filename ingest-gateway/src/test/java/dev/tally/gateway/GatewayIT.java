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

            // A retry, as the sender says in its attempt header: kept on the record for operators.
            final HttpResponse<String> accepted = post(base + "/webhooks/shop",
                    DeliveryScenario.valid().withHeader("X-Slack-Retry-Num", "2").build(), "X-Signature", "X-Slack-Retry-Num");
            assertThat(accepted.statusCode()).isEqualTo(202);
            assertThat(Json.MAPPER.readTree(accepted.body()).get("event_ids").get(0).asText()).isEqualTo("evt-1");
            final ConsumerRecord<String, String> record = read(broker.bootstrapServers(), 1).get(0);
            assertThat(record.key()).isEqualTo("shop:evt-1");
            assertThat(Json.MAPPER.readTree(record.value()).get("event_type").asText()).isEqualTo("order.created");
            assertThat(new String(record.headers().lastHeader("tally.source").value(), StandardCharsets.UTF_8)).isEqualTo("shop");
            assertThat(new String(record.headers().lastHeader("tally.secret-index").value(), StandardCharsets.UTF_8)).isEqualTo("0");
            assertThat(new String(record.headers().lastHeader("tally.attempt.x-slack-retry-num").value(), StandardCharsets.UTF_8))
                    .isEqualTo("2");

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

    @Test
    void shouldWriteEachEventOfABatchAndAnswerAHandshakeWithoutWriting() throws Exception {
        final Signer sendgrid = Signers.sendgrid();
        final Map<String, String> env = Map.of(
                "GW_IT_SENDGRID_KEY", sendgrid.configured(DeliveryScenario.SECRET),
                "GW_IT_SLACK_SECRET", DeliveryScenario.SECRET);
        final EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dataDir));
        final ConfigFile file = ConfigFile.parse("GatewayIT", """
                gateway:
                  port: 0
                  sources:
                    mail: {scheme: sendgrid, secrets: [{env: GW_IT_SENDGRID_KEY}]}
                    chat: {scheme: slack, secrets: [{env: GW_IT_SLACK_SECRET}]}
                """);
        final GatewayConfig config = GatewayConfig.from(file, env)
                .withKafka(KafkaSettings.from(file, env).withBootstrapServers(broker.bootstrapServers()));
        final Clock clock = Clock.systemUTC();
        try (broker; GatewayApp gateway = new GatewayApp(config, env, clock).start()) {
            final String base = "http://127.0.0.1:" + gateway.port();

            final HttpResponse<String> handshake = post(base + "/webhooks/chat", DeliveryScenario
                    .valid(Signers.timestampedHmac("X-Slack-Signature", "v0=", "X-Slack-Request-Timestamp", "v0:", ":"))
                    .signedAt(clock.instant())
                    .withBody("{\"token\":\"t\",\"challenge\":\"c-123\",\"type\":\"url_verification\"}").build(),
                    "X-Slack-Signature", "X-Slack-Request-Timestamp");
            assertThat(handshake.statusCode()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(handshake.body()).get("challenge").asText()).isEqualTo("c-123");

            final HttpResponse<String> batch = post(base + "/webhooks/mail", DeliveryScenario.valid(sendgrid)
                    .signedAt(clock.instant())
                    .withBody("""
                            [{"email":"a@example.com","timestamp":1795341590,"event":"delivered","sg_event_id":"sg-1"},
                             {"email":"a@example.com","timestamp":1795341591,"event":"open","sg_event_id":"sg-2"},
                             {"email":"b@example.com","timestamp":1795341592,"event":"click","sg_event_id":"sg-3"}]""").build(),
                    "X-Twilio-Email-Event-Webhook-Signature", "X-Twilio-Email-Event-Webhook-Timestamp");
            assertThat(batch.statusCode()).isEqualTo(202);
            assertThat(Json.MAPPER.readTree(batch.body()).get("event_ids")).hasSize(3);

            assertThat(read(broker.bootstrapServers(), 3)).extracting(ConsumerRecord::key)
                    .as("the handshake wrote nothing").containsExactlyInAnyOrder("mail:sg-1", "mail:sg-2", "mail:sg-3");
        }
    }

    private HttpResponse<String> post(final String base, final Delivery delivery) throws Exception {
        return post(base + "/webhooks/shop", delivery, "X-Signature");
    }

    /** Posts the delivery's body with the named headers, as the sender would. */
    private HttpResponse<String> post(final String url, final Delivery delivery, final String... headers) throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body()));
        for (final String header : headers) {
            request.header(header, delivery.header(header));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(final String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Reads the raw topic until {@code expected} records arrived, then a little longer to catch any extra one. */
    private static List<ConsumerRecord<String, String>> read(final String bootstrap, final int expected) {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "gateway-it");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        final List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of(Topics.RAW.name()));
            final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        assertThat(records).hasSize(expected);
        return records;
    }
}
