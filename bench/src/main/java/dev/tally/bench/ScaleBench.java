package dev.tally.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scale curves. Keys: throughput, RSS and state on disk of Tally and of the baseline as distinct
 * counter keys grow (a processing run per point). Rate: Tally's processor (child JVM) fed directly
 * at growing rates; processed per second against offered, and its RSS.
 */
final class ScaleBench {

    record Settings(List<Integer> keys, long minEvents, List<Double> rates, Duration rateDuration, String heap,
                    long timeoutSeconds, ProcessingBench.Mode mode) {
    }

    private ScaleBench() {
    }

    static void run(final Report report, final Path work, final Broker broker, final Settings s) {
        final Map<String, Object> out = new LinkedHashMap<>();
        final List<Map<String, Object>> keyPoints = new ArrayList<>();
        final int n = s.keys().size();
        final double[] xs = new double[n];
        final double[][] y = new double[6][n];
        for (int i = 0; i < n; i++) {
            final int keys = s.keys().get(i);
            final long events = Math.max(keys, s.minEvents());
            final ProcessingBench.Point p = ProcessingBench.point(work.resolve("keys-" + keys), broker, events, keys, s.heap(),
                    s.timeoutSeconds(), s.mode(), ProcessingBench.Lineup.TALLY);
            keyPoints.add(p.toMap());
            xs[i] = keys;
            y[0][i] = p.tally().eventsPerSecond();
            y[1][i] = p.baselineEventsPerSecond();
            y[2][i] = p.tally().peakRssBytes() >> 20;
            y[3][i] = p.baseline().peakRssBytes() >> 20;
            y[4][i] = p.tallyStateBytes() / (double) keys * 1e6 / (1 << 20);
            y[5][i] = p.baselineStateBytes() / (double) keys * 1e6 / (1 << 20);
            final String at = "@ " + keys + " keys, " + events + " events";
            report.compare("scale", "events/s " + at, y[0][i], y[1][i], "/s", "—");
            report.compare("scale", "peak RSS " + at, y[2][i], y[3][i], " MiB", "—");
            report.compare("scale", "state on disk per 1M keys " + at, y[4][i], y[5][i], " MiB", "—");
        }
        out.put("keys", keyPoints);
        Plots.lines(report.dir().resolve("scale-keys-throughput.png"), "Events/s vs distinct keys", "distinct keys",
                "events/s", true, Map.of("Tally", new double[][] {xs, y[0]}, "baseline (Kafka Streams windowed count)",
                        new double[][] {xs, y[1]}));
        Plots.lines(report.dir().resolve("scale-keys-rss.png"), "Peak RSS of the processing JVM vs distinct keys (-Xmx" + s.heap() + ")",
                "distinct keys", "RSS (MiB)", true, Map.of("Tally", new double[][] {xs, y[2]},
                        "baseline", new double[][] {xs, y[3]}));
        out.put("rate", rateCurve(report, work.resolve("rate"), broker, s));
        report.section("scale", out);
    }

    private static List<Map<String, Object>> rateCurve(final Report report, final Path work, final Broker broker, final Settings s) {
        final List<Map<String, Object>> points = new ArrayList<>();
        final int n = s.rates().size();
        final double[] xs = new double[n];
        final double[][] y = new double[3][n];
        broker.reset();
        try (Drain drain = new Drain(broker.bootstrap(), s.mode().stable());
             RawProducer producer = new RawProducer(broker.bootstrap())) {
            try (Apps.Running app = Apps.start(s.mode().forkApps(), Apps.Kind.TALLY, broker.bootstrap(), "bench-rate",
                    work.resolve("state"), Rig.Shape.standard(s.mode().reorderDelay()), s.heap(), work.resolve("bench-rate.log"))) {
                producer.atRate(100, Duration.ofSeconds(2), 1000, "warm-");
                drain.await("bench-rate", 120, app::rss, "rate warm-up");
                for (int i = 0; i < n; i++) {
                    final double rate = s.rates().get(i);
                    final long before = drain.committedRaw("bench-rate");
                    final long t0 = System.nanoTime();
                    final long sent = producer.atRate(rate, s.rateDuration(), 10_000, "r" + i + "-");
                    final double sendSeconds = (System.nanoTime() - t0) / 1e9;
                    final long duringLoad = drain.committedRaw("bench-rate") - before;
                    final Drain.Outcome after = drain.await("bench-rate", s.timeoutSeconds(), app::rss, "rate " + (long) rate);
                    final double processed = duringLoad / sendSeconds;
                    final Map<String, Object> m = new LinkedHashMap<>();
                    m.put("offered_per_s", rate);
                    m.put("sent", sent);
                    m.put("send_seconds", Report.round(sendSeconds));
                    m.put("processed_during_load_per_s", Report.round(processed));
                    m.put("seconds_to_catch_up_after_load", Report.round(after.drainedSeconds()));
                    m.put("peak_rss_mb", after.peakRssBytes() >> 20);
                    points.add(m);
                    xs[i] = sent / sendSeconds;
                    y[0][i] = processed;
                    y[1][i] = xs[i];
                    y[2][i] = after.peakRssBytes() >> 20;
                    report.compare("scale", "processed/s while offered " + (long) rate + "/s (catch-up after: "
                            + Report.format(after.drainedSeconds()) + " s)", processed, xs[i], "/s", "—");
                }
            } catch (Exception e) {
                throw new IllegalStateException("rate curve failed", e);
            }
        }
        Plots.lines(report.dir().resolve("scale-rate.png"), "Tally processed/s vs offered rate (committed offsets)", "offered events/s",
                "events/s", false, Map.of("processed during load", new double[][] {xs, y[0]}, "offered (baseline)",
                        new double[][] {xs, y[1]}));
        Plots.lines(report.dir().resolve("scale-rate-rss.png"), "Tally processor RSS vs offered rate (-Xmx" + s.heap() + ")",
                "offered events/s", "peak RSS (MiB)", false, Map.of("Tally", new double[][] {xs, y[2]}));
        return points;
    }
}
