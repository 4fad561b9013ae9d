package dev.tally.bench;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

import jdk.jfr.Recording;

import dev.tally.gateway.GatewayApp;

/**
 * Signed deliveries per second the gateway acknowledges (acks=all), and latency at fixed offered
 * rates, against a bare Javalin endpoint (this stack's HTTP ceiling) in the same run. The same
 * load generator signs every delivery for both, so both pay the same client cost.
 */
final class IngestBench {

    record Settings(Duration saturation, int concurrency, int rounds, List<Double> rates, Duration rateDuration,
                    boolean profile) {
    }

    private IngestBench() {
    }

    static void run(final Report report, final Path work, final Broker broker, final Settings s) throws InterruptedException {
        final Map<String, Object> out = new LinkedHashMap<>();
        broker.reset();
        try (BareHttp bare = new BareHttp()) {
            final GatewayApp gateway = Rig.gateway(broker.bootstrap());
            try {
                final Load load = new Load(Load.client(), Duration.ofSeconds(10));
                final String gw = "http://127.0.0.1:" + gateway.port() + "/webhooks/" + Rig.SOURCE;
                final String ceiling = bare.url() + "/echo/" + Rig.SOURCE;
                // Warm up both (JIT, connections, producer metadata, the broker) twice over, taking turns; not recorded.
                for (int w = 0; w < 2; w++) {
                    load.closedLoop("warm-up ceiling", s.concurrency(), s.saturation(), 10_000_000, 200, signed(ceiling, "w" + w));
                    load.closedLoop("warm-up gateway", s.concurrency(), s.saturation(), 10_000_000, 202, signed(gw, "w" + w));
                }
                final List<Map<String, Object>> rounds = new ArrayList<>();
                final double[] bareMaxes = new double[s.rounds()];
                final double[] gwMaxes = new double[s.rounds()];
                for (int r = 0; r < s.rounds(); r++) {
                    // Alternate which goes first, so a drift in the machine's load does not favour one.
                    final boolean bareFirst = r % 2 == 0;
                    final Load.Result first = bareFirst
                            ? load.closedLoop("ceiling max", s.concurrency(), s.saturation(), 10_000_000, 200, signed(ceiling, "c" + r + "-"))
                            : load.closedLoop("gateway max", s.concurrency(), s.saturation(), 10_000_000, 202, signed(gw, "g" + r + "-"));
                    final Load.Result second = bareFirst
                            ? load.closedLoop("gateway max", s.concurrency(), s.saturation(), 10_000_000, 202, signed(gw, "g" + r + "-"))
                            : load.closedLoop("ceiling max", s.concurrency(), s.saturation(), 10_000_000, 200, signed(ceiling, "c" + r + "-"));
                    final Load.Result b = bareFirst ? first : second;
                    final Load.Result g = bareFirst ? second : first;
                    rounds.add(Map.of("ceiling", b.toMap(), "gateway", g.toMap()));
                    bareMaxes[r] = b.okPerSec();
                    gwMaxes[r] = g.okPerSec();
                    System.err.printf("  ingest round %d: gateway %.0f/s, ceiling %.0f/s%n", r, g.okPerSec(), b.okPerSec());
                }
                // The profile comes from a round of its own, after the measured ones: recording costs the gateway's side only.
                Map<String, Object> profile = null;
                if (s.profile()) {
                    final Recording jfr = Profile.start();
                    load.closedLoop("gateway profiled", s.concurrency(), s.saturation(), 10_000_000, 202, signed(gw, "p-"));
                    profile = Profile.stopAndSummarise(jfr, report.dir().resolve("scratch-gateway.jfr"));
                }
                out.put("concurrency", s.concurrency());
                out.put("max_rounds", rounds);
                final double gwMax = median(gwMaxes);
                final double bareMax = median(bareMaxes);
                out.put("gateway_max_per_s", Report.round(gwMax));
                out.put("ceiling_max_per_s", Report.round(bareMax));
                report.compare("ingest", "max acknowledged deliveries/s (closed loop, " + s.concurrency() + " in flight, median of "
                                + s.rounds() + " rounds)",
                        gwMax, bareMax, "/s", "≥ 0.70");

                final List<Map<String, Object>> fixed = new ArrayList<>();
                final Map<String, double[][]> plot = new LinkedHashMap<>();
                final double[] xs = s.rates().stream().mapToDouble(Double::doubleValue).toArray();
                final double[][] lat = new double[6][xs.length];
                for (int i = 0; i < xs.length; i++) {
                    final double rate = xs[i];
                    final Load.Result b = load.openLoop("ceiling @" + (long) rate, rate, s.rateDuration(), 512, 200,
                            signed(ceiling, "rc" + i + "-"));
                    final Load.Result g = load.openLoop("gateway @" + (long) rate, rate, s.rateDuration(), 512, 202,
                            signed(gw, "rg" + i + "-"));
                    fixed.add(Map.of("ceiling", b.toMap(), "gateway", g.toMap()));
                    lat[0][i] = g.millis(50);
                    lat[1][i] = g.millis(99);
                    lat[2][i] = g.millis(99.9);
                    lat[3][i] = b.millis(50);
                    lat[4][i] = b.millis(99);
                    lat[5][i] = b.millis(99.9);
                    final String at = "@ " + (long) rate + "/s offered";
                    report.compare("ingest", "p50 latency " + at, g.millis(50), b.millis(50), " ms", "—");
                    report.compare("ingest", "p99 latency " + at, g.millis(99), b.millis(99), " ms", "—");
                    report.compare("ingest", "p99.9 latency " + at, g.millis(99.9), b.millis(99.9), " ms", "—");
                    report.compare("ingest", "acknowledged/s " + at, g.okPerSec(), b.okPerSec(), "/s", "—");
                }
                out.put("fixed_rates", fixed);
                plot.put("gateway p50", new double[][] {xs, lat[0]});
                plot.put("gateway p99", new double[][] {xs, lat[1]});
                plot.put("gateway p99.9", new double[][] {xs, lat[2]});
                plot.put("ceiling p50", new double[][] {xs, lat[3]});
                plot.put("ceiling p99", new double[][] {xs, lat[4]});
                plot.put("ceiling p99.9", new double[][] {xs, lat[5]});
                Plots.lines(report.dir().resolve("ingest-latency.png"),
                        "Ingest latency vs offered rate (open loop, from intended send time)", "offered deliveries/s",
                        "latency (ms)", false, plot);
                Plots.bars(report.dir().resolve("ingest-throughput.png"), "Max acknowledged deliveries/s", "deliveries/s",
                        List.of("closed loop, " + s.concurrency() + " in flight"),
                        Map.of("gateway (202 after acks=all)", List.of(gwMax), "bare Javalin (200)", List.of(bareMax)));
                if (profile != null) {
                    out.put("gateway_profile", profile);
                }
            } finally {
                gateway.close();
            }
        }
        report.section("ingest", out);
    }

    static double median(final double[] values) {
        final double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        final int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Requests with a fresh event id each, signed over the exact bytes sent. */
    static LongFunction<HttpRequest> signed(final String url, final String prefix) {
        final URI uri = URI.create(url);
        return i -> {
            final byte[] body = Rig.body(prefix + i, "k" + (i % 1000), Instant.now());
            return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header("X-Signature", Rig.sign(body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        };
    }
}
