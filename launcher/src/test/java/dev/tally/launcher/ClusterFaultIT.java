package dev.tally.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.gateway.HmacVerifier;
import dev.tally.schemas.Json;

/**
 * Faults on the loopback cluster (three brokers, two gateways, two processors, each its own
 * process). In each test a load generator behaves like a real sender — four deliveries in flight,
 * each retried until it is acknowledged — while a fault happens at a third and at two thirds of the load;
 * afterwards the counts served over HTTP equal the acknowledged events: nothing lost, nothing
 * counted twice. Each test counts its own event types, so they share one cluster.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultIT {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterFaultIT.class);
    private static final int EVENTS = 600;
    private static final int TYPES = 6;
    /** Deliveries in flight at once, as a sender's worker pool would have. */
    private static final int SENDERS = 4;
    /** How long every broker stays down in the outage test; the gateways' ack timeout is 5 s. */
    private static final Duration OUTAGE = Duration.ofSeconds(20);

    /** Under target/, not a temp dir: the processes' logs are what a failure is read from. */
    private static final Path DIR = Path.of("target", "cluster-faults");

    private static LoopbackCluster.Cluster cluster;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * What happens to the cluster at a third ({@code step} 1) and two thirds ({@code step} 2) of the
     * load. {@code sender} delivers an event the way the load does, for faults that watch the answers.
     */
    interface Fault {
        void at(int step, Sender sender) throws Exception;
    }

    /** Posts one more delivery of an event of the load (pending or not: it is counted once) and returns the status. */
    interface Sender {
        int post();
    }

    @BeforeAll
    static void startCluster() throws Exception {
        deleteRecursively(DIR);
        // Seven JVMs start at once on the build machine's cores; C1 alone compiles them far sooner, and what is
        // checked here (nothing lost, nothing counted twice) does not depend on how far the JIT optimised.
        cluster = LoopbackCluster.Cluster.start(DIR, LoopbackCluster.Ports.free(), null, Map.of("TALLY_JAVA_OPTS", "-XX:TieredStopAtLevel=1"));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void shouldLoseNothingWhenABrokerIsKilledMidLoadAndRestarted() throws Exception {
        run("broker", 1, (step, sender) -> {
            if (step == 1) {
                cluster.kill("broker-2");
            } else {
                cluster.startBroker(2);
            }
        });
    }

    @Test
    @Order(2)
    void shouldLoseNothingWhenAGatewayIsKilledMidLoad() throws Exception {
        run("gateway", 1, (step, sender) -> {
            if (step == 1) {
                cluster.kill("gateway-1");   // its in-flight deliveries get no answer: the sender retries them
            } else {
                cluster.startGateway(1);
            }
        });
    }

    @Test
    @Order(3)
    void shouldLoseNothingWhenAProcessorIsKilledMidLoadAndRestarted() throws Exception {
        run("processor", 1, (step, sender) -> {
            if (step == 1) {
                cluster.kill("processor-2");
            } else {
                cluster.startProcessor(2);
            }
        });
    }

    @Test
    @Order(4)
    void shouldCountADuplicateStormOnce() throws Exception {
        run("storm", 3, (step, sender) -> { });
    }

    @Test
    @Order(5)
    void shouldAnswer503WhileEveryBrokerIsDownAndResumeByItself() throws Exception {
        run("outage", 1, (step, sender) -> {
            if (step != 1) {
                return;
            }
            for (int n = 1; n <= LoopbackCluster.BROKERS; n++) {
                cluster.stop("broker-" + n, Duration.ofSeconds(10));
            }
            final Map<Integer, Integer> statuses = new TreeMap<>();
            final long until = System.nanoTime() + OUTAGE.toNanos();
            while (System.nanoTime() < until) {
                statuses.merge(sender.post(), 1, Integer::sum);
            }
            LOG.info("outage: answers while every broker was down (status -> deliveries; -1 = no answer): {}", statuses);
            assertThat(statuses.keySet()).as("no delivery acknowledged while every broker is down")
                    .noneMatch(status -> status >= 200 && status < 300);
            assertThat(statuses).as("the gateways answer 503 while Kafka is unreachable").containsKey(503);
            for (int n = 1; n <= LoopbackCluster.BROKERS; n++) {
                cluster.startBroker(n);
            }
        });
    }

    private static void deleteRecursively(final Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    private void run(final String name, final int copies, final Fault fault) throws Exception {
        final Instant now = Instant.now();
        final int deliveries = EVENTS * copies;
        final BlockingDeque<Integer> pending = new LinkedBlockingDeque<>();
        for (int i = 0; i < deliveries; i++) {
            pending.add(i % EVENTS);
        }
        final Set<Integer> acked = ConcurrentHashMap.newKeySet();
        // Acknowledged deliveries: a third, two thirds (when the fault's steps happen), all.
        final List<CountDownLatch> acknowledged = List.of(new CountDownLatch(deliveries / 3), new CountDownLatch(2 * deliveries / 3),
                new CountDownLatch(deliveries));
        final CountDownLatch all = acknowledged.get(2);
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicInteger refused = new AtomicInteger();
        final AtomicLong faultEnded = new AtomicLong();
        final long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        final ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
        for (int s = 0; s < SENDERS; s++) {
            senders.execute(() -> {
                while (all.getCount() > 0 && System.nanoTime() < deadline) {
                    final Integer i;
                    try {
                        i = pending.poll(100, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (i == null) {
                        continue;   // the others hold the rest in flight
                    }
                    if (post(1 + attempts.getAndIncrement() % 2, name, i, now) == 202) {
                        acked.add(i);
                        acknowledged.forEach(CountDownLatch::countDown);
                        final long ended = faultEnded.getAndSet(0);
                        if (ended != 0) {
                            LOG.info("{}: ingest back {} ms after a fault step", name, (System.nanoTime() - ended) / 1_000_000);
                        }
                    } else {
                        refused.incrementAndGet();
                        pending.add(i);   // a real sender retries until it is acknowledged
                    }
                }
            });
        }
        try {
            final int[] probes = {0};
            for (int step = 1; step <= 2; step++) {
                if (!acknowledged.get(step - 1).await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                    break;
                }
                // The fault's own deliveries repeat an event of the load (counted once whatever they get).
                fault.at(step, () -> post(1 + probes[0]++ % 2, name, Objects.requireNonNullElse(pending.peek(), 0), now));
                faultEnded.set(System.nanoTime());
                LOG.info("{}: fault step {} after {} acknowledged", name, step, deliveries - all.getCount());
            }
            all.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        } finally {
            senders.shutdownNow();
            senders.awaitTermination(30, TimeUnit.SECONDS);
        }
        assertThat(all.getCount()).as(name + ": every delivery acknowledged in the end").isZero();

        final Map<String, Long> expected = new TreeMap<>();
        for (int i : acked) {
            expected.merge(key(name, i), 1L, Long::sum);
        }
        final Instant loadEnded = Instant.now();
        final Map<String, Long> served = awaitTotals(expected);
        final long counted = served.values().stream().mapToLong(v -> Math.max(0, v)).sum();
        LOG.info("{}: acknowledged {}, counted {}, lost {}, double-counted {}, refused attempts {}, counts complete {} ms after the load",
                name, acked.size(), counted, Math.max(0, acked.size() - counted), Math.max(0, counted - acked.size()), refused.get(),
                Duration.between(loadEnded, Instant.now()).toMillis());
        assertThat(served).as(name).isEqualTo(expected);
    }

    private static String key(final String name, final int i) {
        return "demo|" + name + "-t" + (i % TYPES);
    }

    private static int post(final int gateway, final String name, final int i, final Instant now) {
        final String body = """
                {"event_id":"%s-%d","event_type":"%s-t%d","timestamp":"%s","schema_version":"1"}"""
                .formatted(name, i, name, i % TYPES, now.plusMillis(i));
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.gatewayPort(gateway)
                                    + "/webhooks/demo"))
                            .timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json")
                            .header("X-Signature", HmacVerifier.sign(Banner.DEMO_SECRET.getBytes(StandardCharsets.UTF_8), bytes))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            return -1;   // no answer: not acknowledged
        }
    }

    /** Waits until every key's total is the expected one (or 5 minutes pass), and returns what was served. */
    private static Map<String, Long> awaitTotals(final Map<String, Long> expected) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        Map<String, Long> served = new TreeMap<>();
        while (System.nanoTime() < deadline) {
            served = new TreeMap<>();
            for (String key : expected.keySet()) {
                served.put(key, total(key));
            }
            if (served.equals(expected)) {
                return served;
            }
            Thread.sleep(500);
        }
        return served;
    }

    /** The total from whichever processor answers for the key (another may answer 503). */
    private static long total(final String key) {
        for (int n = 1; n <= 2; n++) {
            try {
                final HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + cluster.queryPort(n) + "/v1/counters/events_by_type/total?key="
                                + key.replace("|", "%7C"))).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return Json.MAPPER.readTree(r.body()).get("total").asLong();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (IOException e) {
                // no answer: try the other instance
            }
        }
        return -1;
    }
}
