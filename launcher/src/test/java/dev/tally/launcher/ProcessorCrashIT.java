package dev.tally.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;
import dev.tally.schemas.Topics;

/**
 * Exactly once across a crash: the processor runs as its own process, is killed with SIGKILL in the
 * middle of a stream (no clean shutdown, no commit), restarted, and every count it then serves
 * equals the count of the distinct events written, to the unit; and every event waiting in the
 * reorder buffer at the kill reaches events.ordered once.
 */
class ProcessorCrashIT {

    private static final int EVENTS = 3000;
    private static final int KEYS = 20;
    private static final Instant T0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);

    @TempDir
    Path dir;

    private EmbeddedKafkaBroker broker;
    private Process processor;
    private KafkaConsumer<String, Envelope> ordered;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (processor != null) {
            processor.destroyForcibly();
        }
        if (ordered != null) {
            ordered.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldCountExactlyOnceAcrossASigkilledProcessor() throws Exception {
        final String query = startFirst("crash-it", "");
        final Path config = dir.resolve("tally.yaml");
        final int queryPort = queryPort(query);

        final Map<String, Long> expected = new TreeMap<>();
        final Map<String, Long> expectedWindows = new TreeMap<>();
        final Random random = new Random(42);
        final List<Envelope> sent = new ArrayList<>();
        try (KafkaProducer<String, Envelope> producer = producer()) {
            for (int i = 0; i < EVENTS; i++) {
                final String customer = "c" + random.nextInt(KEYS);
                final Instant eventTime = T0.plusMillis(random.nextInt(120_000));
                final Envelope event = new Envelope("shop", "e" + i, "order.created", eventTime, Instant.now(),
                        customer, null, "1");
                producer.send(new ProducerRecord<>(Topics.RAW.name(), event.key(), event));
                sent.add(event);
                if (random.nextInt(10) == 0) {   // a redelivery of the same event: never counted twice
                    producer.send(new ProducerRecord<>(Topics.RAW.name(), event.key(), event));
                }
                expected.merge(customer, 1L, Long::sum);
                expectedWindows.merge(customer + "@" + windowStart(eventTime), 1L, Long::sum);
                if (i == EVENTS / 3) {
                    producer.flush();
                    // Kill it only once it has counted (and committed) part of the stream.
                    awaitSomethingCounted(query, expected.keySet());
                    processor.destroyForcibly().waitFor(30, TimeUnit.SECONDS);   // SIGKILL
                    processor = startProcessor(config, queryPort, "second");
                }
                if (i % 100 == 0) {
                    Thread.sleep(20);     // a steady stream, not one burst
                }
            }
            producer.flush();
        }
        awaitReady(query);

        for (Map.Entry<String, Long> customer : expected.entrySet()) {
            awaitTotal(query, customer.getKey(), customer.getValue());
        }
        final Map<String, Long> served = new TreeMap<>();
        final Map<String, Long> servedWindows = new TreeMap<>();
        for (String customer : expected.keySet()) {
            served.put(customer, total(query, customer));
            for (var w : Json.MAPPER.readTree(get(query + "/v1/counters/by_customer/counts?key=" + customer
                    + "&window=1m&from=" + T0.minusSeconds(60) + "&to=" + T0.plusSeconds(180)).body()).get("windows")) {
                servedWindows.put(customer + "@" + w.get("start").asText(), w.get("count").asLong());
            }
        }
        assertThat(served).isEqualTo(expected);
        assertThat(servedWindows).isEqualTo(expectedWindows);
        assertThat(served.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(EVENTS);

        // A sender retrying every delivery after the crash. Under exactly-once the killed task's state was wiped and
        // the dedupe store restored from its changelog (batches of ids, BatchLoggedWindowStore): it drops them all.
        try (KafkaProducer<String, Envelope> producer = producer()) {
            for (Envelope event : sent) {
                producer.send(new ProducerRecord<>(Topics.RAW.name(), event.key(), event));
            }
            // Then one new event in each raw partition, behind the retries there: once all are counted, the retries
            // have been through the dedupe.
            final int partitions = producer.partitionsFor(Topics.RAW.name()).size();
            for (int p = 0; p < partitions; p++) {
                final Envelope marker = new Envelope("shop", "after-retries-" + p, "order.created", T0.plusSeconds(30), Instant.now(),
                        "marker", null, "1");
                producer.send(new ProducerRecord<>(Topics.RAW.name(), p, marker.key(), marker));
            }
            producer.flush();
            awaitTotal(query, "marker", partitions);
        }
        // A retry let through would sit in the counting stage's other partitions, written no later than the markers.
        awaitRepartitionsConsumed("crash-it");
        for (Map.Entry<String, Long> customer : expected.entrySet()) {
            assertThat(total(query, customer.getKey())).as("total of %s after every delivery was retried", customer.getKey())
                    .isEqualTo(customer.getValue());
        }
    }

    /**
     * The reorder buffer keeps where its waiting events are in webhooks.raw, not the events: after a
     * SIGKILL the new process reads them back from the raw topic, and each reaches events.ordered once.
     */
    @Test
    void shouldWriteEveryWaitingEventToEventsOrderedOnceAcrossASigkilledProcessor() throws Exception {
        // A minute's delay: the events wait in the buffer (counted on arrival) until this test moves the time on.
        final String query = startFirst("crash-ordered-it", "reorder_delay: 60s");
        final Path config = dir.resolve("tally.yaml");
        final int queryPort = queryPort(query);

        final int events = 400;
        final Instant now = Instant.now();
        final Random random = new Random(7);
        final Map<String, Long> expected = new TreeMap<>();
        final int partitions;
        try (KafkaProducer<String, Envelope> producer = producer()) {
            partitions = producer.partitionsFor(Topics.RAW.name()).size();
            for (int i = 0; i < events; i++) {
                final String customer = "c" + random.nextInt(KEYS);
                final Envelope event = new Envelope("shop", "w" + i, "order.created", now.minusMillis(random.nextInt(2_000)),
                        Instant.now(), customer, null, "1");
                producer.send(new ProducerRecord<>(Topics.RAW.name(), event.key(), event));
                if (i % 7 == 0) {
                    producer.send(new ProducerRecord<>(Topics.RAW.name(), event.key(), event));   // redelivered
                }
                expected.merge(customer, 1L, Long::sum);
            }
            producer.flush();
            for (Map.Entry<String, Long> customer : expected.entrySet()) {
                awaitTotal(query, customer.getKey(), customer.getValue());
            }
            assertThat(orderedIds(Duration.ofSeconds(2))).as("counted, and still waiting out the reorder delay").isEmpty();

            processor.destroyForcibly().waitFor(30, TimeUnit.SECONDS);   // SIGKILL, events still in the buffer
            processor = startProcessor(config, queryPort, "second");
            awaitReady(query);
            // One event per raw partition, a minute and more ahead: every partition's watermark passes the waiting events.
            for (int p = 0; p < partitions; p++) {
                final Envelope push = new Envelope("shop", "push-" + p, "order.created", now.plusSeconds(75), Instant.now(), "push", null, "1");
                producer.send(new ProducerRecord<>(Topics.RAW.name(), p, push.key(), push));
            }
            producer.flush();
        }

        final List<String> wanted = IntStream.range(0, events).mapToObj(i -> "w" + i).toList();
        final List<String> written = new ArrayList<>();
        final long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline && !written.containsAll(wanted)) {
            written.addAll(orderedIds(Duration.ofSeconds(1)));
        }
        assertThat(written).as("every waiting event in events.ordered, once").containsExactlyInAnyOrderElementsOf(wanted);
        for (Map.Entry<String, Long> customer : expected.entrySet()) {
            assertThat(total(query, customer.getKey())).as(customer.getKey()).isEqualTo(customer.getValue());
        }
    }

    /**
     * Starts the broker and a first processor with one counter by customer ({@code processorSetting}: one more
     * line of the processor's configuration), waits until it is ready, and returns its query API's address.
     */
    private String startFirst(final String applicationId, final String processorSetting) throws Exception {
        broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir.resolve("broker")));
        final Path config = dir.resolve("tally.yaml");
        Files.writeString(config, """
                processor:
                  application_id: %s
                  %s
                  counters:
                    - name: by_customer
                      group_by: [entity_id]
                      windows: [1m]
                      grace: 10m
                query:
                  auth: none
                """.formatted(applicationId, processorSetting));
        final int queryPort = freePort();
        final String query = "http://127.0.0.1:" + queryPort;
        processor = startProcessor(config, queryPort, "first");
        awaitReady(query);
        return query;
    }

    private static int queryPort(final String query) {
        return URI.create(query).getPort();
    }

    /** The event ids that reached events.ordered since the last call (read_committed), read for {@code time}. */
    private List<String> orderedIds(final Duration time) {
        if (ordered == null) {
            ordered = TopicClients.reader(broker.bootstrapServers(), Topics.ORDERED);
        }
        final List<String> ids = new ArrayList<>();
        final long end = System.nanoTime() + time.toNanos();
        while (System.nanoTime() < end) {
            ordered.poll(Duration.ofMillis(200)).forEach(r -> ids.add(r.value().eventId()));
        }
        return ids;
    }

    private static String windowStart(final Instant t) {
        return Instant.ofEpochMilli(t.toEpochMilli() - Math.floorMod(t.toEpochMilli(), 60_000L)).toString();
    }

    private Process startProcessor(final Path config, final int queryPort, final String name) throws IOException {
        final ProcessBuilder pb = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile", ""),
                Tally.class.getName(), "processor", "-c", config.toString()));
        final Map<String, String> env = pb.environment();
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put(Tally.EXIT_WITH_PID, String.valueOf(ProcessHandle.current().pid()));   // gone with a killed test JVM
        // A killed member is noticed after its session times out; keep that short for the test.
        env.put("KAFKA_SESSION_TIMEOUT_MS", "6000");
        env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "1000");
        env.put("TALLY_STATE_DIR", dir.resolve("state").toString());
        env.put("TALLY_QUERY_PORT", String.valueOf(queryPort));
        pb.redirectErrorStream(true).redirectOutput(new File(dir.toFile(), "processor-" + name + ".log"));
        return pb.start();
    }

    private KafkaProducer<String, Envelope> producer() {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, Topics.RAW.keySerde().serializer(), Topics.RAW.valueSerde().serializer());
    }

    private void awaitReady(final String query) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!processor.isAlive()) {
                throw new AssertionError("the processor exited with " + processor.exitValue() + "; see " + dir);
            }
            try {
                if (get(query + "/readyz").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("processor not ready within 120 s");
    }

    private void awaitSomethingCounted(final String query, final Iterable<String> keys) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (String key : keys) {
                if (total(query, key) > 0) {
                    return;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the first processor counted nothing within 60 s");
    }

    /** Waits until the processor has committed every partition of its repartition topics up to where each ends now. */
    private void awaitRepartitionsConsumed(final String applicationId) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get().keySet().stream()
                    .filter(tp -> tp.topic().endsWith("-repartition")).forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            assertThat(latest).as("the counting stage's committed partitions").isNotEmpty();
            final Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
                    .forEach((tp, info) -> ends.put(tp, info.offset()));
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                final Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                        .partitionsToOffsetAndMetadata().get();
                if (ends.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                        && committed.get(e.getKey()).offset() >= e.getValue())) {
                    return;
                }
                Thread.sleep(200);
            }
            throw new AssertionError("the counting stage did not commit its repartition topics to " + ends + " within 60 s");
        }
    }

    private void awaitTotal(final String query, final String key, final long expected) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        long last = -1;
        while (System.nanoTime() < deadline) {
            last = total(query, key);
            if (last == expected) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("total of " + key + " is " + last + ", expected " + expected);
    }

    private long total(final String query, final String key) throws Exception {
        final HttpResponse<String> response = get(query + "/v1/counters/by_customer/total?key="
                + URLEncoder.encode(key, StandardCharsets.UTF_8));
        return response.statusCode() == 200 ? Json.MAPPER.readTree(response.body()).get("total").asLong() : -1;
    }

    private HttpResponse<String> get(final String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
