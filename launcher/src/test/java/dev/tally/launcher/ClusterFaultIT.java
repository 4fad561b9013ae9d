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
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.gateway.HmacVerifier;
import dev.tally.schemas.Json;

/**
 * Faults on the loopback cluster (three brokers, two gateways, two processors, each its own
 * process): a load generator that behaves like a real sender — it retries every delivery until it
 * is acknowledged — runs while a broker is SIGKILLed and restarted; afterwards the counts served
 * over HTTP equal the acknowledged events: nothing lost, nothing counted twice.
 */
class ClusterFaultIT {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterFaultIT.class);
    private static final int EVENTS = 900;
    private static final int TYPES = 10;

    @TempDir
    Path dir;

    private LoopbackCluster.Cluster cluster;
    private boolean killed;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldLoseNothingAndCountNothingTwiceWhenABrokerIsKilledMidLoad() throws Exception {
        cluster = LoopbackCluster.Cluster.start(dir, null, Map.of());
        final Instant now = Instant.now();
        final Deque<Integer> pending = new ArrayDeque<>();
        for (int i = 0; i < EVENTS; i++) {
            pending.add(i);
        }
        final Set<Integer> acked = new HashSet<>();
        int attempts = 0;
        int refused = 0;
        Instant restarted = null;
        Instant recovered = null;
        final long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            final int i = pending.poll();
            final int gateway = 1 + attempts % 2;
            attempts++;
            if (acked.size() == EVENTS / 3 && !killed) {
                cluster.kill("broker-2");
                killed = true;
                LOG.info("killed broker-2 after {} acknowledged events", acked.size());
            }
            if (killed && restarted == null && acked.size() >= 2 * EVENTS / 3) {
                cluster.startBroker(2);
                restarted = Instant.now();
                LOG.info("restarted broker-2 after {} acknowledged events", acked.size());
            }
            final int status = post(gateway, i, now);
            if (status == 202) {
                acked.add(i);
                if (restarted != null && recovered == null) {
                    recovered = Instant.now();
                }
            } else {
                refused++;
                pending.add(i);   // a real sender retries until it is acknowledged
            }
        }
        assertThat(pending).as("every event acknowledged in the end").isEmpty();
        assertThat(killed).isTrue();

        final Map<String, Long> expected = new TreeMap<>();
        for (int i : acked) {
            expected.merge("demo|t" + (i % TYPES), 1L, Long::sum);
        }
        final Map<String, Long> served = awaitTotals(expected);
        final long counted = served.values().stream().mapToLong(Long::longValue).sum();
        LOG.info("broker kill: acknowledged {}, counted {}, lost {}, double-counted {}, refused attempts {}, "
                        + "ingest back {} ms after the restart",
                acked.size(), counted, Math.max(0, acked.size() - counted), Math.max(0, counted - acked.size()), refused,
                restarted == null || recovered == null ? -1 : Duration.between(restarted, recovered).toMillis());
        assertThat(served).isEqualTo(expected);
    }

    private int post(final int gateway, final int i, final Instant now) {
        final String body = """
                {"event_id":"f-%d","event_type":"t%d","timestamp":"%s","schema_version":"1"}"""
                .formatted(i, i % TYPES, now.plusMillis(i));
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + LoopbackCluster.Cluster.gatewayPort(gateway)
                                    + "/webhooks/demo"))
                            .timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json")
                            .header("X-Signature", HmacVerifier.sign(Banner.DEMO_SECRET.getBytes(StandardCharsets.UTF_8), bytes))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    /** Waits until every key's total, asked of both processors, is the expected one (or 5 minutes pass). */
    private Map<String, Long> awaitTotals(final Map<String, Long> expected) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        Map<String, Long> served = new HashMap<>();
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

    /** The total from whichever processor holds the key (the other answers 503). */
    private long total(final String key) {
        for (int n = 1; n <= 2; n++) {
            try {
                final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + LoopbackCluster.Cluster.queryPort(n) + "/v1/counters/events_by_type/total?key="
                                + key.replace("|", "%7C"))).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return Json.MAPPER.readTree(r.body()).get("total").asLong();
                }
            } catch (Exception e) {
                // try the other instance
            }
        }
        return -1;
    }
}
