package dev.tally.launcher;

import static dev.tally.notifier.WebhookReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigFile;
import dev.tally.config.KafkaSettings;
import dev.tally.gateway.GatewayConfig;
import dev.tally.notifier.NotifierConfig;
import dev.tally.notifier.WebhookReceiver;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.Alert;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;
import dev.tally.schemas.Topics;

/**
 * End to end in one JVM, as {@code tally up} runs it: events in webhooks.raw, a counter's threshold,
 * the alert, the notifier, a signed request at the receiver — once per key that reached it.
 */
class NotifierPipelineIT {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @TempDir
    Path dir;

    @Test
    void shouldDeliverAThresholdReachedByEventsAsASignedWebhook() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir.resolve("broker")));
             WebhookReceiver receiver = new WebhookReceiver(SECRET)) {
            final ConfigFile file = ConfigFile.parse("NotifierPipelineIT", """
                    gateway:
                      sources:
                        shop: {scheme: hmac, secrets: [{env: SHOP_SECRET}]}
                    processor:
                      application_id: notify-pipeline-it
                      reorder_delay: 0s
                      counters:
                        - {name: orders_by_plan, group_by: [/payload/plan], windows: [1h], thresholds: [3], notify: [hook]}
                    query:
                      auth: none
                    notify:
                      allow_http_hosts: [127.0.0.1]
                      sinks:
                        - {name: hook, url: "%s", secret: {env: HOOK_SECRET}}
                    """.formatted(receiver.url("ok", "hook")));
            final Map<String, String> env = Map.of("SHOP_SECRET", "shop-secret", "HOOK_SECRET", SECRET,
                    "TALLY_GATEWAY_PORT", "0", "TALLY_QUERY_PORT", "0");
            final KafkaSettings kafka = KafkaSettings.from(file, env).withBootstrapServers(broker.bootstrapServers());
            final ProcessorConfig processor = ProcessorConfig.from(file, env).withKafka(kafka).withStateDir(dir.resolve("state"));
            try (Pipeline pipeline = Pipeline.start(null, GatewayConfig.from(file, env).withKafka(kafka), processor,
                    NotifierConfig.from(file, env, processor.notifyRoutes()).withKafka(kafka), env)) {
                pipeline.awaitRunning();
                final Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS);
                try (KafkaProducer<String, Envelope> producer = TopicClients.rawProducer(broker.bootstrapServers())) {
                    for (int i = 0; i < 5; i++) {
                        send(producer, "pro-" + i, "pro", t);
                    }
                    for (int i = 0; i < 2; i++) {
                        send(producer, "free-" + i, "free", t);   // below the threshold: no alert
                    }
                    producer.flush();
                }

                await(Duration.ofSeconds(90), () -> receiver.deliveredIds("/ok/hook").size() == 1, "the pro alert delivered");
                final WebhookReceiver.Received request = receiver.received("/ok/hook").get(0);
                assertThat(request.verified()).isTrue();
                final Alert alert = Topics.ALERTS.valueSerde().deserializer().deserialize("t", request.body());
                assertThat(alert.counter()).isEqualTo("orders_by_plan");
                assertThat(alert.key()).isEqualTo("pro");
                assertThat(alert.threshold()).isEqualTo(3);
                assertThat(alert.count()).isEqualTo(3);
                assertThat(receiver.received("/ok/hook")).hasSize(1);
                // The notifier counts a delivery once it has read the answer, a moment after the receiver counted it.
                final Pattern delivered = Pattern.compile(
                        "tally_notifier_deliveries_total\\{[^}]*outcome=\"delivered\"[^}]*sink=\"hook\"[^}]*status=\"200\"[^}]*\\} 1\\.0");
                final String[] metrics = new String[1];
                await(Duration.ofSeconds(10), () -> {
                    metrics[0] = metrics(pipeline.queryUrl());
                    return delivered.matcher(metrics[0]).find();
                }, "the delivery counted on /metrics");
                assertThat(metrics[0]).containsPattern(delivered);
                assertThat(metrics[0]).doesNotContain(receiver.url("ok", "hook"));
            }
        }
    }

    private static String metrics(final String queryUrl) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(queryUrl + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static void send(final KafkaProducer<String, Envelope> producer, final String id, final String plan, final Instant t) {
        final Envelope e = new Envelope("shop", id, "order.created", t, t, null,
                Json.MAPPER.createObjectNode().put("plan", plan), "1");
        producer.send(new ProducerRecord<>(Topics.RAW.name(), "shop:" + id, e));
    }
}
