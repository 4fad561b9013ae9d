package dev.tally.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigFile;
import dev.tally.config.KafkaSettings;
import dev.tally.gateway.GatewayConfig;
import dev.tally.gateway.HmacVerifier;
import dev.tally.processor.ProcessorConfig;
import dev.tally.processor.ProcessorReset;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;
import dev.tally.schemas.KeyCounts;
import dev.tally.schemas.Topics;

/**
 * The whole pipeline on a real embedded broker: signed POSTs in, exact counts out over HTTP, and
 * the counts survive restarting the processor.
 */
class PipelineIT {

    private static final String SECRET = "it-secret";
    private static final String CONFIG = """
            gateway:
              sources:
                shop:
                  secrets: [{env: IT_SHOP_SECRET}]
            processor:
              application_id: pipeline-it
              counters:
                - name: by_type
                  group_by: [source, event_type]
                  windows: [1m, 1h]
                  grace: 10m    # keep the test's windows open while it runs
                - name: by_plan
                  filter: {event_type: [order.created]}
                  group_by: [/payload/plan]
                  windows: [1m]
                  grace: 10m
            query:
              auth: none
            """;
    /**
     * The events' minute: recent, so that a partition whose clock follows the wall clock before its
     * first event arrives (idle from the start) does not find them late.
     */
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(2));
    private static final Instant HOUR = T0.truncatedTo(ChronoUnit.HOURS);
    private static final int BURST = 500;

    @TempDir
    static Path dataDir;

    private static EmbeddedKafkaBroker broker;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Map<String, String> ENV = Map.of("IT_SHOP_SECRET", SECRET);

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dataDir.resolve("broker")));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldCountSignedDeliveriesExactlyOnceAndKeepCountsAcrossRestarts() throws Exception {
        final Path stateDir = dataDir.resolve("state");
        try (Pipeline pipeline = startPipeline(stateDir)) {
            final String gateway = pipeline.gatewayUrl();
            for (int i = 1; i <= 3; i++) {
                assertThat(post(gateway, order("o" + i, "pro", T0.plusSeconds(i)))).isEqualTo(202);
            }
            assertThat(post(gateway, order("o4", "free", T0.plusSeconds(4)))).isEqualTo(202);
            assertThat(post(gateway, event("r1", "order.refunded", T0.plusSeconds(70)))).isEqualTo(202);
            // Retries of delivered events: accepted (the sender must stop retrying) but never counted twice.
            assertThat(post(gateway, order("o1", "pro", T0.plusSeconds(1)))).isEqualTo(202);
            assertThat(post(gateway, order("o4", "free", T0.plusSeconds(4)))).isEqualTo(202);
            // A forged delivery and a broken body: rejected, not counted.
            assertThat(postSigned(gateway, order("o9", "pro", T0), "wrong-secret")).isEqualTo(401);
            assertThat(post(gateway, "{\"event_id\":\"o10\"}")).isEqualTo(400);
            // A record no gateway would write goes to the dead-letter topic, and counting goes on.
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                    Map.of("bootstrap.servers", broker.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>(Topics.RAW.name(), "shop:poison", "not an envelope")).get();
            }

            final String query = pipeline.queryUrl();
            // Events are counted on arrival; once every total is there, nothing may be pending.
            awaitTotal(query, "by_type", "shop|order.refunded", 1);
            awaitTotal(query, "by_type", "shop|order.created", 4);
            awaitProcessed("pipeline-it");
            assertThat(total(query, "by_type", "shop|order.created")).isEqualTo(4);
            assertThat(total(query, "by_type", "shop|order.refunded")).isEqualTo(1);
            assertThat(total(query, "by_plan", "pro")).isEqualTo(3);
            assertThat(total(query, "by_plan", "free")).isEqualTo(1);
            assertThat(windows(query, "by_type", "shop|order.created", "1m"))
                    .containsExactly(T0 + "=4");
            assertThat(windows(query, "by_type", "shop|order.refunded", "1m"))
                    .containsExactly(T0.plusSeconds(60) + "=1");
            assertThat(windows(query, "by_type", "shop|order.created", "1h"))
                    .containsExactly(HOUR + "=4");
            assertThat(deadLetterValues()).containsExactly("not an envelope");

            assertThat(status(query + "/v1/counters/nope/total?key=x")).isEqualTo(404);
            assertThat(status(query + "/v1/counters/by_type/total")).isEqualTo(400);
            assertThat(status(query + "/v1/counters/by_type/counts?key=x&window=5m")).isEqualTo(400);
            assertThat(status(query + "/v1/counters/by_type/counts?key=x&from=yesterday")).isEqualTo(400);
            assertThat(status(query + "/v1/counters/by_type/counts?key=x&from=2026-11-22T11:00:00Z&to=2026-11-22T10:00:00Z"))
                    .isEqualTo(400);
            assertThat(total(query, "by_type", "never-seen")).isZero();
            assertThat(get(query + "/v1/counters").get("counters").get(0).get("key_format").asText())
                    .isEqualTo("source|event_type");

            // A burst for one key: each event counted, and counts.updates coalesced to the latest per commit.
            try (KafkaProducer<String, Envelope> producer = TopicClients.rawProducer(broker.bootstrapServers())) {
                for (int i = 0; i < BURST; i++) {
                    final Envelope e = new Envelope("shop", "burst-" + i, "order.burst", T0.plusSeconds(30), T0.plusSeconds(30),
                            null, null, "1");
                    producer.send(new ProducerRecord<>(Topics.RAW.name(), e.key(), e));
                }
            }
            awaitTotal(query, "by_type", "shop|order.burst", BURST);
            final List<KeyCounts> burst = updatesUntil("by_type|shop|order.burst", BURST);
            assertThat(burst).extracting(KeyCounts::total).isSorted().doesNotHaveDuplicates().endsWith((long) BURST);
            assertThat(burst).as("one record per commit, not per event, without a record cache").hasSizeLessThanOrEqualTo(BURST / 10);
            assertThat(burst.get(burst.size() - 1).windows()).containsExactly(
                    new KeyCounts.Window("1m", T0, T0.plusSeconds(60), BURST), new KeyCounts.Window("1h", HOUR, HOUR.plusSeconds(3600), BURST));
        }

        // Restart on the same state directory: same counts, and the dedupe store still knows o1.
        try (Pipeline pipeline = startPipeline(stateDir)) {
            pipeline.awaitRunning();
            assertThat(servedTotal(pipeline.queryUrl(), "by_type", "shop|order.created")).isEqualTo(4);
            assertThat(post(pipeline.gatewayUrl(), order("o1", "pro", T0.plusSeconds(1)))).isEqualTo(202);
            assertThat(post(pipeline.gatewayUrl(), order("o5", "pro", T0.plusSeconds(5)))).isEqualTo(202);
            awaitTotal(pipeline.queryUrl(), "by_plan", "pro", 4);
            awaitProcessed("pipeline-it");
            assertThat(total(pipeline.queryUrl(), "by_type", "shop|order.created")).isEqualTo(5);
            assertThat(total(pipeline.queryUrl(), "by_plan", "pro")).isEqualTo(4);
        }

        // Restart with the local state lost (a new machine): the stores are rebuilt from their changelogs.
        try (Pipeline pipeline = startPipeline(dataDir.resolve("fresh-state"))) {
            pipeline.awaitRunning();
            assertThat(servedTotal(pipeline.queryUrl(), "by_type", "shop|order.created")).isEqualTo(5);
            assertThat(windows(pipeline.queryUrl(), "by_type", "shop|order.created", "1m")).containsExactly(T0 + "=5");
        }

        // A reset: everything is rebuilt from webhooks.raw, duplicates and all, to the same counts.
        final ProcessorReset.Result reset = ProcessorReset.reset(processorConfig(stateDir));
        assertThat(reset.groupDeleted()).isTrue();
        assertThat(reset.topicsDeleted()).contains("pipeline-it-dedupe-changelog", "pipeline-it-by-source_event_type-by-key-repartition");
        try (Pipeline pipeline = startPipeline(stateDir)) {
            awaitTotal(pipeline.queryUrl(), "by_plan", "free", 1);
            awaitTotal(pipeline.queryUrl(), "by_type", "shop|order.created", 5);
            awaitTotal(pipeline.queryUrl(), "by_type", "shop|order.refunded", 1);   // the latest event: released when idle
            awaitProcessed("pipeline-it");
            assertThat(total(pipeline.queryUrl(), "by_type", "shop|order.created")).isEqualTo(5);
            assertThat(total(pipeline.queryUrl(), "by_type", "shop|order.refunded")).isEqualTo(1);
            assertThat(total(pipeline.queryUrl(), "by_plan", "pro")).isEqualTo(4);
        }
    }

    /** The records of {@code counts.updates} with {@code key}, read until one has {@code total}. */
    private static List<KeyCounts> updatesUntil(final String key, final long total) {
        final List<KeyCounts> updates = new ArrayList<>();
        try (KafkaConsumer<String, KeyCounts> consumer = TopicClients.reader(broker.bootstrapServers(), Topics.COUNT_UPDATES)) {
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (updates.isEmpty() || updates.get(updates.size() - 1).total() < total) {
                assertThat(System.nanoTime()).as("counts.updates reaches total " + total + " for " + key).isLessThan(deadline);
                for (ConsumerRecord<String, KeyCounts> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key().equals(key)) {
                        updates.add(r.value());
                    }
                }
            }
        }
        return updates;
    }

    private static Pipeline startPipeline(final Path stateDir) throws InterruptedException {
        final ConfigFile file = ConfigFile.parse("PipelineIT", CONFIG);
        final Map<String, String> env = env();
        final KafkaSettings kafka = KafkaSettings.from(file, env).withBootstrapServers(broker.bootstrapServers());
        final Pipeline pipeline = Pipeline.start(null, GatewayConfig.from(file, env).withKafka(kafka),
                processorConfig(stateDir), env);
        pipeline.awaitRunning();
        return pipeline;
    }

    private static ProcessorConfig processorConfig(final Path stateDir) {
        final ConfigFile file = ConfigFile.parse("PipelineIT", CONFIG);
        final KafkaSettings kafka = KafkaSettings.from(file, env()).withBootstrapServers(broker.bootstrapServers());
        return ProcessorConfig.from(file, env()).withKafka(kafka).withStateDir(stateDir);
    }

    private static Map<String, String> env() {
        final Map<String, String> env = new HashMap<>(ENV);
        env.put("TALLY_GATEWAY_PORT", "0");
        env.put("TALLY_QUERY_PORT", "0");
        // No record cache: the counting stage's coalescing must not rest on it (a full cache wrote hot keys per event).
        env.put("KAFKA_STATESTORE_CACHE_MAX_BYTES", "0");
        return env;
    }

    private static String order(final String id, final String plan, final Instant time) {
        return """
                {"event_id":"%s","event_type":"order.created","timestamp":"%s","schema_version":"1","payload":{"plan":"%s"}}"""
                .formatted(id, time, plan);
    }

    private static String event(final String id, final String type, final Instant time) {
        return """
                {"event_id":"%s","event_type":"%s","timestamp":"%s","schema_version":"1"}""".formatted(id, type, time);
    }

    private static int post(final String gateway, final String body) throws Exception {
        return postSigned(gateway, body, SECRET);
    }

    private static int postSigned(final String gateway, final String body, final String secret) throws Exception {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        final HttpRequest request = HttpRequest.newBuilder(URI.create(gateway + "/webhooks/shop"))
                .header("Content-Type", "application/json")
                .header("X-Signature", HmacVerifier.sign(secret.getBytes(StandardCharsets.UTF_8), bytes))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static long total(final String query, final String counter, final String key) throws Exception {
        return get(query + "/v1/counters/" + counter + "/total?key=" + encode(key)).get("total").asLong();
    }

    private static List<String> windows(final String query, final String counter, final String key, final String window)
            throws Exception {
        final JsonNode body = get(query + "/v1/counters/" + counter + "/counts?key=" + encode(key) + "&window=" + window
                + "&from=" + T0.minus(Duration.ofHours(1)) + "&to=" + T0.plus(Duration.ofHours(1)));
        final List<String> windows = new ArrayList<>();
        body.get("windows").forEach(w -> windows.add(w.get("start").asText() + "=" + w.get("count").asLong()));
        return windows;
    }

    private static JsonNode get(final String url) throws Exception {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", url, response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }

    private static int status(final String url) throws Exception {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        return response.statusCode();
    }

    private static String encode(final String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Waits until the total of {@code key} is {@code expected}. */
    /**
     * The total as first served: RUNNING can come a moment before the query API serves the key's store (a
     * store still restoring, or a rebalance right after the start, answers 503 "being restored").
     */
    private static long servedTotal(final String query, final String counter, final String key) throws Exception {
        final String url = query + "/v1/counters/" + counter + "/total?key=" + encode(key);
        awaitTrue(Duration.ofSeconds(60), () -> {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() != 503;
            } catch (Exception e) {
                return false;
            }
        });
        return total(query, counter, key);
    }

    private static void awaitTotal(final String query, final String counter, final String key, final long expected)
            throws InterruptedException {
        awaitTrue(Duration.ofSeconds(60), () -> {
            try {
                return total(query, counter, key) == expected;
            } catch (Exception | AssertionError e) {
                return false;
            }
        });
    }

    /**
     * Waits until the processor has committed every record of every topic it reads (the raw topic and
     * its repartition topics): then nothing it has consumed is still on its way.
     */
    private static void awaitProcessed(final String applicationId) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            awaitTrue(Duration.ofSeconds(60), () -> {
                try {
                    final Map<TopicPartition, OffsetAndMetadata> committed =
                            admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
                    final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    for (int p = 0; p < 3; p++) {
                        latest.put(new TopicPartition(Topics.RAW.name(), p), OffsetSpec.latest());
                    }
                    committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
                    final var ends = admin.listOffsets(latest).all().get();
                    return ends.entrySet().stream().allMatch(e -> e.getValue().offset() == 0
                            || committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue().offset());
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    private static List<String> deadLetterValues() {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final List<String> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(Set.of(Topics.DEAD_LETTER.name()));
            final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (values.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    assertThat(r.headers().lastHeader("__streams.errors.exception")).as("error headers").isNotNull();
                    values.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            // Anything more that arrives shortly after would be a wrongly dead-lettered record.
            consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
        }
        return values;
    }

    private static void awaitTrue(final Duration timeout, final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            Thread.sleep(100);
        }
    }
}
