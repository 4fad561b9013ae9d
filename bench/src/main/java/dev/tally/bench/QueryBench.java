package dev.tally.bench;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongFunction;

/**
 * Point queries ({@code GET /v1/counters/by_key/total?key=}) on one processor instance holding
 * every key, against a bare Javalin GET answering a JSON object of the same shape, in the same run.
 * Only local queries: the query API does not forward a key held by another instance (it answers 503).
 */
final class QueryBench {

    record Settings(int keys, int concurrency, Duration duration, double rate) {
    }

    private QueryBench() {
    }

    static void run(final Report report, final Path work, final boolean fork, final Settings s) throws InterruptedException {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("keys", s.keys());
        try (Broker broker = Broker.start(work.resolve("broker"), fork);
             Drain drain = new Drain(broker.bootstrap());
             Rig.Processing p = new Rig.Processing(Rig.processorConfig(broker.bootstrap(), "bench-query", Duration.ZERO,
                     work.resolve("state-query"))).awaitRunning();
             BareHttp bare = new BareHttp()) {
            try (RawProducer producer = new RawProducer(broker.bootstrap())) {
                producer.prefill(s.keys(), s.keys(), "query keys");
            }
            final Drain.Outcome loaded = drain.await("bench-query", 600, () -> 0, "query load");
            out.put("keys_loaded", loaded.drained());
            final Load load = new Load(Load.client(), Duration.ofSeconds(10));
            final LongFunction<HttpRequest> query = get(p.queryUrl() + "/v1/counters/" + Rig.COUNTER + "/total?key=", s.keys());
            final LongFunction<HttpRequest> ceiling = get(bare.url() + "/total?key=", s.keys());
            load.closedLoop("warm-up query", s.concurrency(), s.duration().dividedBy(2), 1_000_000, 200, query);
            load.closedLoop("warm-up ceiling", s.concurrency(), s.duration().dividedBy(2), 1_000_000, 200, ceiling);
            final Load.Result qMax = load.closedLoop("query max", s.concurrency(), s.duration(), 10_000_000, 200, query);
            final Load.Result bMax = load.closedLoop("ceiling max", s.concurrency(), s.duration(), 10_000_000, 200, ceiling);
            final Load.Result qAt = load.openLoop("query @" + (long) s.rate(), s.rate(), s.duration(), 256, 200, query);
            final Load.Result bAt = load.openLoop("ceiling @" + (long) s.rate(), s.rate(), s.duration(), 256, 200, ceiling);
            out.put("max", Map.of("query", qMax.toMap(), "ceiling", bMax.toMap()));
            out.put("fixed_rate", Map.of("query", qAt.toMap(), "ceiling", bAt.toMap()));
            report.compare("query", "max point queries/s (closed loop, " + s.concurrency() + " in flight)", qMax.okPerSec(),
                    bMax.okPerSec(), "/s", "—");
            report.compare("query", "p50 latency @ " + (long) s.rate() + "/s", qAt.millis(50), bAt.millis(50), " ms", "—");
            report.compare("query", "p99 latency @ " + (long) s.rate() + "/s", qAt.millis(99), bAt.millis(99), " ms", "—");
            report.note("query", "routed to another instance", "not measured", "—", "—",
                    "QueryApp does not forward (503 for keys held elsewhere)");
            Plots.bars(report.dir().resolve("query.png"), "Point query latency @ " + (long) s.rate() + "/s (open loop)", "ms",
                    List.of("p50", "p99", "p99.9"),
                    Map.of("query API total?key=", List.of(qAt.millis(50), qAt.millis(99), qAt.millis(99.9)),
                            "bare Javalin GET", List.of(bAt.millis(50), bAt.millis(99), bAt.millis(99.9))));
        }
        report.section("query", out);
    }

    private static LongFunction<HttpRequest> get(final String prefix, final int keys) {
        return i -> HttpRequest.newBuilder(URI.create(prefix + "k" + ThreadLocalRandom.current().nextInt(keys)))
                .timeout(Duration.ofSeconds(10)).build();
    }
}
