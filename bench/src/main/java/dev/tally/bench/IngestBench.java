package dev.tally.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Signed deliveries per second the gateway acknowledges (acks=all) against a bare Javalin endpoint
 * (this stack's HTTP ceiling) in the same run, at several connection counts, and latency in an open
 * loop at fractions of the gateway's max. Each server runs in a JVM of its own ({@link HttpChild}), as
 * in production; the closed loop is {@link Wrk} (outside this JVM, its CPU measured); the open loop is
 * {@link NioLoad}, in this JVM. Both send the same pre-signed requests to both.
 */
final class IngestBench {

    /**
     * @param connections the closed-loop sweep, the last also used for the warm-up and the profile
     * @param fractions   open-loop rates as fractions of the gateway's max
     */
    /** The longest warm-up before an open-loop run. */
    private static final Duration OPEN_LOOP_WARMUP = Duration.ofSeconds(3);

    record Settings(Duration saturation, List<Integer> connections, int rounds, List<Double> fractions, Duration rateDuration,
                    int wrkThreads, boolean profile) {
    }

    /** What the issue asks of the gateway/ceiling ratio at a connection count. */
    private static final Map<Integer, String> TARGETS = Map.of(64, "≥ 0.50", 256, "≥ 0.70");
    private static final int SIGNED_REQUESTS = 20_000;
    /** The most warm-up rounds of the gateway before the measured ones. */
    private static final int MAX_WARM_UPS = 24;
    /** How many deliveries the gateway answers before it counts as warm: its rate kept climbing up to about 300 000. */
    private static final int MIN_WARM_DELIVERIES = 400_000;

    private IngestBench() {
    }

    static void run(final Report report, final Path work, final Broker broker, final Settings s) {
        final Map<String, Object> out = new LinkedHashMap<>();
        broker.reset();
        try (HttpChild bare = HttpChild.start(HttpChild.Kind.BARE, broker.bootstrap(), work);
             HttpChild gateway = HttpChild.start(HttpChild.Kind.GATEWAY, broker.bootstrap(), work)) {
            final Wrk wrk = new Wrk(work, s.wrkThreads(), broker::cpuNanos);
            final String gw = gateway.url() + "/webhooks/" + Rig.SOURCE;
            final String ceiling = bare.url() + "/echo/" + Rig.SOURCE;
            final int most = s.connections().get(s.connections().size() - 1);
            final Duration warm = s.saturation().dividedBy(2).compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
                    : s.saturation().dividedBy(2);
            // Warm up both (JIT, connections, producer metadata, the broker), not recorded. The bare endpoint settles in two
            // rounds; the gateway and the broker take far longer on two shared cores (their JIT compilers still took a
            // quarter and half of their CPU after two rounds, and the gateway's rate can rest on a plateau for rounds
            // before it climbs again), so its rounds go on until it has answered MIN_WARM_DELIVERIES and two rounds in a
            // row have not beaten its best by 5 %.
            double best = 0;
            int flat = 0;
            double answered = 0;
            // A smoke run (rounds of a second or two) checks the harness, not the figures: two rounds.
            final boolean smoke = s.saturation().compareTo(Duration.ofSeconds(5)) < 0;
            for (int w = 0; w < (smoke ? 2 : MAX_WARM_UPS) && (smoke || flat < 2 || answered < MIN_WARM_DELIVERIES); w++) {
                if (w < 2) {
                    wrk.run("warm-up ceiling", ceiling, bare::cpuNanos, most, warm, Wrk.requests(work, "w" + w + "c-", SIGNED_REQUESTS));
                }
                final double rate = wrk.run("warm-up gateway", gw, gateway::cpuNanos, most, warm, Wrk.requests(work, "w" + w + "g-", SIGNED_REQUESTS))
                        .okPerSec();
                answered += rate * warm.toMillis() / 1000.0;
                flat = rate > 1.05 * best ? 0 : flat + 1;
                best = Math.max(best, rate);
            }
            final List<Map<String, Object>> sweep = new ArrayList<>();
            final List<Double> gwByConnections = new ArrayList<>();
            final List<Double> bareByConnections = new ArrayList<>();
            double gwMax = 0;
            double bareMax = 0;
            for (int c : s.connections()) {
                final List<Wrk.Result> bares = new ArrayList<>();
                final List<Wrk.Result> gws = new ArrayList<>();
                for (int r = 0; r < s.rounds(); r++) {
                    // Alternate which goes first, so a drift in the machine's load does not favour one.
                    final Path signed = Wrk.requests(work, "c" + c + "r" + r + "-", SIGNED_REQUESTS);
                    if (r % 2 == 0) {
                        bares.add(wrk.run("ceiling", ceiling, bare::cpuNanos, c, s.saturation(), signed));
                        gws.add(wrk.run("gateway", gw, gateway::cpuNanos, c, s.saturation(), signed));
                    } else {
                        gws.add(wrk.run("gateway", gw, gateway::cpuNanos, c, s.saturation(), signed));
                        bares.add(wrk.run("ceiling", ceiling, bare::cpuNanos, c, s.saturation(), signed));
                    }
                }
                final double g = median(gws.stream().mapToDouble(Wrk.Result::okPerSec).toArray());
                final double b = median(bares.stream().mapToDouble(Wrk.Result::okPerSec).toArray());
                gwMax = Math.max(gwMax, g);
                bareMax = Math.max(bareMax, b);
                gwByConnections.add(g);
                bareByConnections.add(b);
                final Map<String, Object> row = new LinkedHashMap<>();
                row.put("connections", c);
                row.put("gateway_per_s", Report.round(g));
                row.put("ceiling_per_s", Report.round(b));
                row.put("ratio", Report.round(b <= 0 ? 0 : g / b));
                row.put("gateway", gws.stream().map(Wrk.Result::toMap).toList());
                row.put("ceiling", bares.stream().map(Wrk.Result::toMap).toList());
                sweep.add(row);
                final String at = c + " connections (wrk, median of " + s.rounds() + ")";
                report.compare("ingest", "max acknowledged deliveries/s, " + at, g, b, "/s", TARGETS.getOrDefault(c, "—"));
                report.compare("ingest", "closed-loop p50 latency, " + at, median(gws, 50), median(bares, 50), " ms", "—");
                report.compare("ingest", "closed-loop p99 latency, " + at, median(gws, 99), median(bares, 99), " ms", "—");
                report.compare("ingest", "wrk's share of the machine's CPU, " + at,
                        median(gws.stream().mapToDouble(Wrk.Result::wrkShare).toArray()),
                        median(bares.stream().mapToDouble(Wrk.Result::wrkShare).toArray()), "", "—");
                System.err.printf("  ingest at %d connections: gateway %.0f/s, ceiling %.0f/s, ratio %.2f%n", c, g, b, g / b);
            }
            out.put("sweep", sweep);
            out.put("gateway_max_per_s", Report.round(gwMax));
            out.put("ceiling_max_per_s", Report.round(bareMax));

            final List<Map<String, Object>> open = new ArrayList<>();
            final double[] xs = s.fractions().stream().mapToDouble(f -> f * 100).toArray();
            final double[][] lat = new double[6][xs.length];
            for (int i = 0; i < xs.length; i++) {
                final double rate = Math.max(1, Math.round(s.fractions().get(i) * gwMax));
                final String at = "@ " + (long) rate + "/s offered (" + Math.round(xs[i]) + " % of the gateway's max)";
                final OpenLoop bareRun = openLoop(new NioLoad(ceiling, "oc" + i + "-", SIGNED_REQUESTS), "ceiling " + at, rate, s, most, 200);
                final OpenLoop gwRun = openLoop(new NioLoad(gw, "og" + i + "-", SIGNED_REQUESTS), "gateway " + at, rate, s, most, 202);
                final Load.Result b = bareRun.result();
                final Load.Result g = gwRun.result();
                final Map<String, Object> row = new LinkedHashMap<>();
                row.put("fraction_of_gateway_max", s.fractions().get(i));
                row.put("ceiling", b.toMap());
                row.put("gateway", g.toMap());
                row.put("client_gc_pause_ms", Map.of("ceiling", bareRun.clientGcPauseMs(), "gateway", gwRun.clientGcPauseMs()));
                open.add(row);
                final double[] percentiles = {50, 99, 99.9};
                for (int p = 0; p < 3; p++) {
                    lat[p][i] = g.millis(percentiles[p]);
                    lat[p + 3][i] = b.millis(percentiles[p]);
                }
                report.compare("ingest", "open-loop p50 latency " + at, g.millis(50), b.millis(50), " ms", "—");
                report.compare("ingest", "open-loop p99 latency " + at, g.millis(99), b.millis(99), " ms",
                        Math.abs(s.fractions().get(i) - 0.5) < 1e-9 ? "≤ 20 ms" : "—");
                report.compare("ingest", "open-loop p99.9 latency " + at, g.millis(99.9), b.millis(99.9), " ms", "—");
                report.compare("ingest", "acknowledged/s " + at, g.okPerSec(), b.okPerSec(), "/s", "—");
            }
            out.put("open_loop", open);
            final Map<String, double[][]> plot = new LinkedHashMap<>();
            final String[] names = {"gateway p50", "gateway p99", "gateway p99.9", "ceiling p50", "ceiling p99", "ceiling p99.9"};
            for (int n = 0; n < names.length; n++) {
                plot.put(names[n], new double[][] {xs, lat[n]});
            }
            Plots.lines(report.dir().resolve("ingest-latency.png"),
                    "Ingest latency, open loop (from intended send time)", "offered rate, % of the gateway's max",
                    "latency (ms)", false, plot);
            Plots.bars(report.dir().resolve("ingest-throughput.png"), "Max acknowledged deliveries/s (wrk, closed loop)",
                    "deliveries/s", s.connections().stream().map(c -> c + " connections").toList(),
                    Map.of("gateway (202 after acks=all)", gwByConnections, "bare Javalin (200)", bareByConnections));

            // The profile comes from a round of its own, after the measured ones: recording costs the gateway's side only.
            if (s.profile()) {
                // Starting JFR redefines its event classes, and the deoptimisation ran the gateway interpreted
                // (ten times slower) for seconds: a first recording takes that hit over a warm-up round of its own.
                Profile.startIn(gateway.pid(), "primer");
                wrk.run("warm-up gateway under JFR", gw, gateway::cpuNanos, most, warm, Wrk.requests(work, "pw-", SIGNED_REQUESTS));
                final Path signed = Wrk.requests(work, "p-", SIGNED_REQUESTS);
                Profile.startIn(gateway.pid(), "round");
                Profile.stopIn(gateway.pid(), "primer", null);
                final Wrk.Result profiled = wrk.run("gateway profiled", gw, gateway::cpuNanos, most, s.saturation(), signed);
                final Path file = report.dir().resolve("scratch-gateway.jfr").toAbsolutePath();
                Profile.stopIn(gateway.pid(), "round", file);
                final Map<String, Object> profile = Profile.summarise(file);
                profile.put("round", profiled.toMap());
                out.put("gateway_profile", profile);
            }
        }
        report.section("ingest", out);
    }

    private static double median(final List<Wrk.Result> results, final double percentile) {
        return median(results.stream().mapToDouble(r -> r.millis(percentile)).toArray());
    }

    static double median(final double[] values) {
        final double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        final int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * One open-loop run at {@code rate}, after a warm-up at the same rate whose latencies are not kept
     * (a few seconds, at most the run's length): the first seconds of a run measured the client's and
     * the endpoint's start (connections, compilation) as much as the endpoint, and the client sent late.
     */
    private static OpenLoop openLoop(final NioLoad load, final String label, final double rate, final Settings s,
                                     final int connections, final int okStatus) {
        final Duration warmup = s.rateDuration().compareTo(OPEN_LOOP_WARMUP) < 0 ? s.rateDuration() : OPEN_LOOP_WARMUP;
        load.openLoop(label + ", warm-up", rate, warmup, connections, okStatus, Duration.ofSeconds(10));
        // The client shares this JVM with the bench's garbage (earlier rounds' pre-signed requests): collected now, not
        // in a pause of the client in the measured run, which would count as the server's latency.
        System.gc();
        final long gcBefore = gcMillis();
        final Load.Result result = load.openLoop(label, rate, s.rateDuration(), connections, okStatus, Duration.ofSeconds(10));
        final long paused = gcMillis() - gcBefore;
        System.err.printf("  [%s] the client's JVM spent %d ms in GC during the run%n", label, paused);
        return new OpenLoop(result, paused);
    }

    /** An open-loop run and how long the client's JVM (this one) was collecting garbage during it. */
    private record OpenLoop(Load.Result result, long clientGcPauseMs) {
    }

    /** Milliseconds this JVM has spent collecting garbage (G1's young and mixed pauses, and any full collection). */
    private static long gcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }
}
