package dev.tally.query;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.streams.LagInfo;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigFile;
import dev.tally.config.KafkaSettings;
import dev.tally.processor.ProcessorApp;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/** Processor + query API instances in the test JVM on one embedded broker, each with its own state dir and port. */
final class QueryCluster implements AutoCloseable {

    static final String CONFIG = """
            kafka:
              topics: {partitions: 6, replication_factor: 1}
            processor:
              application_id: %s
              reorder_delay: 200ms
              idle_advance: 1s
              query_history: 1d
              standby_replicas: 1
              counters:
                - name: by_customer
                  group_by: [entity_id]
                  windows: [1m, 1h]
                  grace: 2h
            %s
            query:
              auth: none
            """;

    /** One processor with its query API. */
    static final class Instance {
        final ProcessorConfig config;
        ProcessorApp processor;
        QueryApp query;

        Instance(final ProcessorConfig config) {
            this.config = config;
        }

        String url() {
            return "http://127.0.0.1:" + config.queryPort();
        }

        void start() {
            processor = new ProcessorApp(config).start();
            query = new QueryApp(config, new CountsService(processor.streams(), config),
                    Clock.systemUTC(), Map.of()).start();
        }

        void stop() {
            if (query != null) {
                query.close();
            }
            if (processor != null) {
                processor.close();
            }
        }

        /**
         * Every local store copy, standbys included, holds everything its changelog does. Under
         * exactly_once_v2 a changelog ends with a commit marker no copy ever reads: a lag of 1 is caught up.
         */
        boolean caughtUp() {
            for (Map<Integer, LagInfo> lags : processor.streams().allLocalStorePartitionLags().values()) {
                if (lags.values().stream().anyMatch(l -> l.offsetLag() > 1)) {
                    return false;
                }
            }
            return true;
        }
    }

    final EmbeddedKafkaBroker broker;
    final List<Instance> instances = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    QueryCluster(final Path dir, final int size) throws IOException {
        this(dir, size, "");
    }

    /** With {@code moreCounters}: YAML entries of {@code processor.counters}, each line indented by four spaces. */
    QueryCluster(final Path dir, final int size, final String moreCounters) throws IOException {
        broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir.resolve("broker")));
        final ConfigFile file = ConfigFile.parse("QueryCluster", CONFIG.formatted("cluster-" + size, moreCounters));
        final KafkaSettings kafka = KafkaSettings.from(file, Map.of()).withBootstrapServers(broker.bootstrapServers());
        for (int i = 0; i < size; i++) {
            instances.add(new Instance(ProcessorConfig.from(file, Map.of()).withKafka(kafka)
                    .withStateDir(dir.resolve("state-" + i)).withQueryPort(freePort())));
        }
        instances.forEach(Instance::start);
    }

    /**
     * Writes {@code events} to the raw topic and waits for every ack, as the gateway does. What was not
     * acknowledged is sent again by a fresh producer, as a webhook sender would redeliver it: the
     * processor's dedupe makes a redelivery of something that did land harmless.
     */
    void send(final List<Envelope> events) {
        List<Envelope> pending = events;
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            if (attempt > 5) {
                throw new IllegalStateException(pending.size() + " events not acknowledged after 5 attempts");
            }
            pending = sendOnce(pending);
        }
    }

    private List<Envelope> sendOnce(final List<Envelope> events) {
        final List<Future<RecordMetadata>> acks = new ArrayList<>();
        final List<Envelope> failed = new ArrayList<>();
        try (KafkaProducer<String, Envelope> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                Topics.RAW.keySerde().serializer(), Topics.RAW.valueSerde().serializer())) {
            for (Envelope e : events) {
                acks.add(producer.send(new ProducerRecord<>(Topics.RAW.name(), e.key(), e)));
            }
            for (int i = 0; i < acks.size(); i++) {
                try {
                    acks.get(i).get(60, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    System.out.println("QueryCluster: " + events.get(i).key() + " not acknowledged, will resend: " + e);
                    failed.add(events.get(i));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
        return failed;
    }

    static Envelope event(final String id, final String customer, final Instant time) {
        return new Envelope("shop", id, "order.created", time, Instant.now(), customer, null, "1");
    }

    HttpResponse<String> get(final String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String encode(final String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static void await(final Duration timeout, final String what, final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(100);   // polling interval of the condition, not a wait for an event
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        instances.forEach(Instance::stop);
        broker.close();
    }
}
