package dev.tally.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongFunction;

/**
 * Query latency and throughput on two processor instances that split the keys between them, all
 * requests sent to instance A: point queries ({@code GET /v1/counters/by_key/total?key=}) for keys A
 * holds (local) and for keys B holds (routed: A forwards to B), and top-N queries (fanned out to
 * both and merged). Baseline in the same run: a bare Javalin GET answering a JSON object of the
 * point query's shape — this stack's HTTP ceiling.
 */
final class QueryBench {

    record Settings(int keys, int concurrency, Duration duration, double rate) {
    }

    /** The queries measured, each with its own request shape. */
    private record Kind(String name, String metric, LongFunction<HttpRequest> request) {
    }

    private QueryBench() {
    }

    static void run(final Report report, final Path work, final Broker broker, final Settings s) throws InterruptedException {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("keys", s.keys());
        out.put("instances", 2);
        final int portA = Broker.freePort();
        final int portB = Broker.freePort();
        broker.reset();
        try (Drain drain = new Drain(broker.bootstrap());
             Rig.Processing a = new Rig.Processing(Rig.processorConfig(broker.bootstrap(), "bench-query", Rig.Shape.standard(Duration.ZERO),
                     work.resolve("state-a"), portA));
             Rig.Processing b = new Rig.Processing(Rig.processorConfig(broker.bootstrap(), "bench-query", Rig.Shape.standard(Duration.ZERO),
                     work.resolve("state-b"), portB));
             BareHttp bare = new BareHttp()) {
            a.awaitRunning();
            b.awaitRunning();
            final Instant filled;
            try (RawProducer producer = new RawProducer(broker.bootstrap())) {
                producer.prefill(s.keys(), s.keys(), "query keys");
                filled = Instant.now();
            }
            final Drain.Outcome loaded = drain.await("bench-query", 600, () -> 0, "query load");
            out.put("keys_loaded", loaded.drained());
            final Map<Boolean, List<String>> byHome = split(a.queryUrl(), "127.0.0.1:" + portA, s.keys());
            out.put("keys_local_to_a", byHome.get(true).size());
            out.put("keys_routed_to_b", byHome.get(false).size());
            if (byHome.get(true).isEmpty() || byHome.get(false).isEmpty()) {
                throw new IllegalStateException("the keys did not split between the two instances: " + out);
            }
            final String total = a.queryUrl() + "/v1/counters/" + Rig.COUNTER + "/total?key=";
            final List<Kind> kinds = List.of(
                    new Kind("local", "point query, key held by the instance asked", get(total, byHome.get(true))),
                    new Kind("routed", "point query, key held by the other instance (forwarded)", get(total, byHome.get(false))),
                    new Kind("top", "top 10 of the 1m window (fan-out to both, merged)", i -> request(a.queryUrl() + "/v1/counters/"
                            + Rig.COUNTER + "/top?window=1m&n=10&at=" + filled)));
            final LongFunction<HttpRequest> ceiling = get(bare.url() + "/total?key=", byHome.get(true));

            final Load load = new Load(Load.client(), Duration.ofSeconds(10));
            load.closedLoop("warm-up ceiling", s.concurrency(), s.duration().dividedBy(2), 1_000_000, 200, ceiling);
            for (Kind k : kinds) {
                load.closedLoop("warm-up " + k.name(), s.concurrency(), s.duration().dividedBy(2), 1_000_000, 200, k.request());
            }
            final Load.Result bMax = load.closedLoop("ceiling max", s.concurrency(), s.duration(), 10_000_000, 200, ceiling);
            final Load.Result bAt = load.openLoop("ceiling @" + (long) s.rate(), s.rate(), s.duration(), 256, 200, ceiling);
            final Map<String, Object> max = new LinkedHashMap<>();
            final Map<String, Object> fixed = new LinkedHashMap<>();
            max.put("ceiling", bMax.toMap());
            fixed.put("ceiling", bAt.toMap());
            final Map<String, List<? extends Number>> bars = new LinkedHashMap<>();
            bars.put("bare Javalin GET @" + (long) s.rate() + "/s", List.of(bAt.millis(50), bAt.millis(99), bAt.millis(99.9)));
            for (Kind k : kinds) {
                final Load.Result kMax = load.closedLoop(k.name() + " max", s.concurrency(), s.duration(), 10_000_000, 200, k.request());
                // Latency at the fixed rate, or at half of this query's own maximum when that is lower: beyond its
                // capacity an open loop measures only the queue. The ceiling is measured again at that rate.
                final double rate = Math.max(1, Math.min(s.rate(), Math.floor(kMax.okPerSec() / 2)));
                final Load.Result kAt = load.openLoop(k.name() + " @" + (long) rate, rate, s.duration(), 256, 200, k.request());
                final Load.Result cAt = rate == s.rate() ? bAt
                        : load.openLoop("ceiling @" + (long) rate, rate, s.duration(), 256, 200, ceiling);
                max.put(k.name(), kMax.toMap());
                fixed.put(k.name(), kAt.toMap());
                report.compare("query", k.metric() + ": max/s (closed loop, " + s.concurrency() + " in flight)", kMax.okPerSec(),
                        bMax.okPerSec(), "/s", "—");
                report.compare("query", k.metric() + ": p50 @ " + (long) rate + "/s", kAt.millis(50), cAt.millis(50), " ms", "—");
                report.compare("query", k.metric() + ": p99 @ " + (long) rate + "/s", kAt.millis(99), cAt.millis(99), " ms", "—");
                bars.put(k.name() + " @" + (long) rate + "/s", List.of(kAt.millis(50), kAt.millis(99), kAt.millis(99.9)));
            }
            out.put("max", max);
            out.put("fixed_rate", fixed);
            Plots.bars(report.dir().resolve("query.png"), "Query latency (open loop), two instances",
                    "ms", List.of("p50", "p99", "p99.9"), bars);
        }
        report.section("query", out);
    }

    /**
     * The keys {@code k0..k(keys-1)} by whether instance A answers them itself ({@code true}) or
     * forwards them: one query each, read from the {@code Tally-Served-By} header.
     */
    private static Map<Boolean, List<String>> split(final String url, final String self, final int keys) throws InterruptedException {
        final HttpClient client = Load.client();
        final List<String> local = new ArrayList<>();
        final List<String> routed = new ArrayList<>();
        for (int i = 0; i < Math.min(keys, 2000); i++) {
            final String key = "k" + i;
            try {
                final HttpResponse<Void> r = client.send(request(url + "/v1/counters/" + Rig.COUNTER + "/total?key=" + key),
                        HttpResponse.BodyHandlers.discarding());
                final String servedBy = r.headers().firstValue("Tally-Served-By").orElse("");
                if (r.statusCode() == 200) {
                    (servedBy.equals(self) ? local : routed).add(key);
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException("query API at " + url + " unreachable", e);
            }
        }
        return Map.of(true, local, false, routed);
    }

    private static LongFunction<HttpRequest> get(final String prefix, final List<String> keys) {
        return i -> request(prefix + keys.get(ThreadLocalRandom.current().nextInt(keys.size())));
    }

    private static HttpRequest request(final String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build();
    }
}
