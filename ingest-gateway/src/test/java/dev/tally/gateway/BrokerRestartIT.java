package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigFile;
import dev.tally.config.KafkaSettings;
import dev.tally.schemas.Topics;

/**
 * The broker stops in the middle of a load and comes back on the same data and ports: every 2xx
 * is in the raw topic, nothing is accepted while it is down (503 + Retry-After instead), and
 * ingestion resumes by itself. The load is a bounded loop of signed POSTs to loopback only.
 */
class BrokerRestartIT {

    private static final Map<String, String> ENV = Map.of("SHOP_SECRET", DeliveryScenario.SECRET);
    private static final int MAX_REQUESTS = 5_000;
    private static final Duration MAX_LOAD_TIME = Duration.ofSeconds(90);

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One answered delivery of the load, with when it was sent and answered. */
    record Sent(String key, long sentNanos, long answeredNanos, int status, boolean retryAfter) {
    }

    @Test
    void shouldAcceptOnlyWhatKafkaHoldsAcrossABrokerRestart() throws Exception {
        final EmbeddedKafkaBroker first = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dataDir));
        final EmbeddedKafkaBroker.Settings same = first.settings();
        final ConfigFile file = ConfigFile.parse("BrokerRestartIT", """
                gateway:
                  port: 0
                  ack_timeout: 1s
                  sources:
                    shop: {secrets: [{env: SHOP_SECRET}]}
                """);
        final GatewayConfig config = GatewayConfig.from(file, ENV)
                .withKafka(KafkaSettings.from(file, ENV).withBootstrapServers(first.bootstrapServers()));
        EmbeddedKafkaBroker second = null;
        try (GatewayApp gateway = new GatewayApp(config, ENV, Clock.systemUTC()).start()) {
            final String base = "http://127.0.0.1:" + gateway.port();
            final List<Sent> sent = new CopyOnWriteArrayList<>();
            final AtomicBoolean stop = new AtomicBoolean();
            final Thread load = new Thread(() -> load(base + "/webhooks/shop", sent, stop), "load");
            load.start();

            await(() -> accepted(sent, 0).size() >= 30);
            first.close();
            final long closed = System.nanoTime();
            Thread.sleep(3_000);
            final long restarting = System.nanoTime();
            second = EmbeddedKafkaBroker.start(same);
            final long ready = System.nanoTime();
            await(() -> accepted(sent, ready).size() >= 20);
            stop.set(true);
            load.join(20_000);

            assertThat(sent).extracting(Sent::status).allMatch(s -> s == 202 || s == 503);
            final List<Sent> whileDown = sent.stream().filter(s -> s.sentNanos() > closed && s.answeredNanos() < restarting).toList();
            assertThat(whileDown).as("deliveries sent and answered while the broker was down").isNotEmpty()
                    .allSatisfy(s -> assertThat(s.status()).isEqualTo(503))
                    .allSatisfy(s -> assertThat(s.retryAfter()).isTrue());
            assertThat(accepted(sent, ready)).as("ingestion resumes by itself").hasSizeGreaterThanOrEqualTo(20);

            final String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("kafka_producer_").contains("tally_gateway_requests_total{app=\"gateway\",source=\"shop\",status=\"503\"}");

            final Set<String> accepted = new HashSet<>(accepted(sent, 0));
            assertThat(rawKeys(second.bootstrapServers(), accepted.size())).as("every 2xx is in the raw topic").containsAll(accepted);
        } finally {
            if (second != null) {
                second.close();
            }
        }
    }

    private static List<String> accepted(final List<Sent> sent, final long sentAfter) {
        return sent.stream().filter(s -> s.status() / 100 == 2 && s.sentNanos() > sentAfter).map(Sent::key).toList();
    }

    private static void await(final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting for the load").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Signed deliveries one after another, bounded in count and time, until told to stop. */
    private void load(final String url, final List<Sent> sent, final AtomicBoolean stop) {
        final long deadline = System.nanoTime() + MAX_LOAD_TIME.toNanos();
        for (int i = 1; i <= MAX_REQUESTS && !stop.get() && System.nanoTime() < deadline; i++) {
            final String id = "evt-" + i;
            final Delivery delivery = DeliveryScenario.valid().withBody("{\"event_id\":\"" + id
                    + "\",\"event_type\":\"t\",\"timestamp\":\"2026-11-22T10:00:00Z\",\"schema_version\":\"1\"}").build();
            final long start = System.nanoTime();
            try {
                final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(15))
                        .header("Content-Type", "application/json")
                        .header("X-Signature", delivery.header("X-Signature"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body())).build(), HttpResponse.BodyHandlers.ofString());
                sent.add(new Sent("shop:" + id, start, System.nanoTime(), response.statusCode(),
                        response.headers().firstValue("Retry-After").isPresent()));
                if (response.statusCode() == 503) {
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                sent.add(new Sent("shop:" + id, start, System.nanoTime(), -1, false));
            }
        }
    }

    private static Set<String> rawKeys(final String bootstrap, final int expected) {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "broker-restart-it");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        final Set<String> keys = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of(Topics.RAW.name()));
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (keys.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> keys.add(r.key()));
            }
        }
        return keys;
    }
}
