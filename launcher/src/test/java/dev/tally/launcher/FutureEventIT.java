package dev.tally.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigFile;
import dev.tally.config.KafkaSettings;
import dev.tally.gateway.GatewayConfig;
import dev.tally.gateway.HmacVerifier;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.LateEvent;
import dev.tally.schemas.Rejection;
import dev.tally.schemas.Topics;

/**
 * The two failures of issue 14 on a real broker through the real gateway and processor: events
 * stamped 2099-01-01, now + 50 min and now + 59 min among live traffic, sent through the gateway
 * (refused with 422) and straight into {@code webhooks.raw} (kept out by the processor). Every live
 * window is exact and final, no stream thread fails, no write is refused, and each skewed event
 * that reached the raw topic is in {@code events.late} with its cause.
 */
class FutureEventIT {

    private static final String SECRET = "it-secret";
    private static final String CONFIG = """
            gateway:
              sources:
                shop:
                  secrets: [{env: IT_SHOP_SECRET}]
            processor:
              application_id: future-it
              reorder_delay: 1s
              counters:
                - name: by_source
                  group_by: [source]
                  windows: [5s]
                  grace: 1s
            query:
              auth: none
            """;
    private static final Duration WINDOW = Duration.ofSeconds(5);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void shouldKeepEveryLiveWindowExactAndFinalWhateverTheSkewedEvents() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir.resolve("broker")));
             Pipeline pipeline = start(broker, dir.resolve("state"))) {
            final Map<Instant, Long> expected = new TreeMap<>();
            final List<String> kept = new ArrayList<>();
            try (KafkaProducer<String, Envelope> raw = TopicClients.rawProducer(broker.bootstrapServers())) {
                for (int i = 0; i < 60; i++) {
                    final Instant now = Instant.now();
                    assertThat(post(pipeline.gatewayUrl(), "live-" + i, now)).as("live event %d", i).isEqualTo(202);
                    expected.merge(windowStart(now), 1L, Long::sum);
                    if (i % 20 == 5) {
                        final int round = i / 20;
                        for (Map.Entry<String, Instant> skewed : skewedTimes(now).entrySet()) {
                            final String id = skewed.getKey() + "-" + round;
                            assertThat(post(pipeline.gatewayUrl(), "gw-" + id, skewed.getValue())).as(id + " via the gateway").isEqualTo(422);
                            // Straight into the raw topic: as received now, and with a Kafka timestamp to match its event time.
                            send(raw, new Envelope("shop", "raw-" + id, "order.created", skewed.getValue(), now, null, null, "1"), null);
                            kept.add("shop:raw-" + id);
                            if (skewed.getValue().isBefore(now.plus(Duration.ofHours(1)))) {
                                send(raw, new Envelope("shop", "ts-" + id, "order.created", skewed.getValue(), now, null, null, "1"),
                                        skewed.getValue().toEpochMilli());
                                kept.add("shop:ts-" + id);
                            }
                        }
                    }
                    Thread.sleep(150);   // paces the live traffic over about three windows; nothing waits on it
                }
                raw.flush();
            }

            final Map<Instant, Long> finals = new HashMap<>();
            try (KafkaConsumer<String, CountUpdate> reader = TopicClients.reader(broker.bootstrapServers(), Topics.COUNT_FINAL)) {
                awaitTrue(Duration.ofSeconds(60), () -> {
                    reader.poll(Duration.ofMillis(200)).forEach(r -> finals.put(r.value().windowStart(), r.value().count()));
                    return finals.keySet().containsAll(expected.keySet());
                });
            }
            assertThat(finals).as("every live window final, with its exact count").containsAllEntriesOf(expected);
            assertThat(finals.keySet()).as("no window of a skewed event").allSatisfy(start ->
                    assertThat(start).isBefore(Instant.now().plus(Duration.ofMinutes(1))));

            final Map<String, LateEvent> late = new HashMap<>();
            try (KafkaConsumer<String, LateEvent> reader = TopicClients.reader(broker.bootstrapServers(), Topics.LATE)) {
                awaitTrue(Duration.ofSeconds(30), () -> {
                    reader.poll(Duration.ofMillis(200)).forEach(r -> late.put(r.key(), r.value()));
                    return late.keySet().containsAll(kept);
                });
            }
            assertThat(late.keySet()).as("exactly the skewed events that reached webhooks.raw").containsExactlyInAnyOrderElementsOf(kept);
            assertThat(late.values()).allSatisfy(l -> {
                assertThat(l.cause()).isEqualTo(LateEvent.FUTURE_TIMESTAMP);
                assertThat(l.maxFutureSkew()).isEqualTo("5m");
            });

            final List<Rejection> rejected = new ArrayList<>();
            try (KafkaConsumer<String, Rejection> reader = TopicClients.reader(broker.bootstrapServers(), Topics.REJECTED)) {
                awaitTrue(Duration.ofSeconds(30), () -> {
                    reader.poll(Duration.ofMillis(200)).forEach(r -> rejected.add(r.value()));
                    return rejected.size() >= 9;
                });
            }
            assertThat(rejected).hasSize(9).allSatisfy(r -> assertThat(r.reason()).isEqualTo("future_timestamp"));

            assertThat(RefusedWriteIT.failedStreamThreads(pipeline.processor().streams())).as("no stream thread failed").isZero();
            assertThat(pipeline.processor().refusedWrites().refusals()).as("no write refused by the broker").isZero();
            assertThat(status(pipeline.queryUrl() + "/readyz")).isEqualTo(200);
        }
    }

    private static Map<String, Instant> skewedTimes(final Instant now) {
        final Map<String, Instant> times = new TreeMap<>();
        times.put("f2099", Instant.parse("2099-01-01T00:00:00Z"));
        times.put("f50m", now.plus(Duration.ofMinutes(50)));
        times.put("f59m", now.plus(Duration.ofMinutes(59)));
        return times;
    }

    private static Pipeline start(final EmbeddedKafkaBroker broker, final Path stateDir) throws InterruptedException {
        final ConfigFile file = ConfigFile.parse("FutureEventIT", CONFIG);
        final Map<String, String> env = Map.of("IT_SHOP_SECRET", SECRET, "TALLY_GATEWAY_PORT", "0", "TALLY_QUERY_PORT", "0");
        final KafkaSettings kafka = KafkaSettings.from(file, env).withBootstrapServers(broker.bootstrapServers());
        final Pipeline pipeline = Pipeline.start(null, GatewayConfig.from(file, env).withKafka(kafka),
                ProcessorConfig.from(file, env).withKafka(kafka).withStateDir(stateDir), env);
        pipeline.awaitRunning();
        return pipeline;
    }

    private static Instant windowStart(final Instant time) {
        return Instant.ofEpochMilli(time.toEpochMilli() - Math.floorMod(time.toEpochMilli(), WINDOW.toMillis()));
    }

    private static void send(final KafkaProducer<String, Envelope> raw, final Envelope event, final Long kafkaTimestamp) throws Exception {
        raw.send(new ProducerRecord<>(Topics.RAW.name(), null, kafkaTimestamp, event.key(), event)).get();
    }

    private static int post(final String gateway, final String id, final Instant time) throws Exception {
        final byte[] body = """
                {"event_id":"%s","event_type":"order.created","timestamp":"%s","schema_version":"1"}""".formatted(id, time)
                .getBytes(StandardCharsets.UTF_8);
        final HttpRequest request = HttpRequest.newBuilder(URI.create(gateway + "/webhooks/shop"))
                .header("Content-Type", "application/json")
                .header("X-Signature", HmacVerifier.sign(SECRET.getBytes(StandardCharsets.UTF_8), body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int status(final String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void awaitTrue(final Duration timeout, final BooleanSupplier condition) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.onSpinWait();   // each condition polls a consumer, which waits up to 200 ms
        }
    }
}
