package dev.tally.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.tally.gateway.HmacVerifier;
import dev.tally.launcher.LoopbackCluster;
import dev.tally.schemas.Json;

/**
 * {@code java -jar tally-bench.jar soak}: the loopback cluster (three brokers, two gateways, two
 * processors, each its own JVM) under a steady open-loop load over both gateways for a long time,
 * sampled every slice: acknowledged/s, latency p50/p99/p99.9, each process's RSS, the processors'
 * consumer lag and state size. At the end the counts served over HTTP are compared, per event type,
 * with the acknowledged deliveries, and the verdict checks that memory, lag and latency stayed flat
 * (the last third of the run against the middle third, thresholds in {@link #verdict}). Bounded:
 * {@code --minutes} of load, then at most five minutes for the counts. The cluster runs on free
 * ports, so it never meets {@code tally cluster} or a test's cluster.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Steady load on the loopback cluster for a long time; memory, lag and latency sampled.")
public final class Soak implements Callable<Integer> {

    private static final String SECRET = "soak-demo-secret";
    private static final String GROUP = "tally-cluster";
    private static final String COUNTER = "events_by_type";

    @Option(names = "--minutes", defaultValue = "30", description = "minutes of load (default ${DEFAULT-VALUE})")
    double minutes;
    @Option(names = "--rate", defaultValue = "200", description = "deliveries per second offered, over both gateways (default ${DEFAULT-VALUE})")
    double rate;
    @Option(names = "--sample-seconds", defaultValue = "30", description = "length of one sampled slice (default ${DEFAULT-VALUE})")
    int sampleSeconds;
    @Option(names = "--types", defaultValue = "20", description = "distinct event types, i.e. counter keys (default ${DEFAULT-VALUE})")
    int types;
    @Option(names = "--out", defaultValue = "bench/results", description = "where soak.json, soak.md and the plots go")
    Path out;
    @Option(names = "--work", defaultValue = "bench/target/soak", description = "the cluster's data and logs, emptied first")
    Path work;

    /** One slice of the run. */
    record Sample(double minute, double okPerSec, long failed, double p50, double p99, double p999,
                  Map<String, Long> rssMiB, Map<String, Long> oldGenMiB, long lag, long stateMiB) {
    }

    private LoopbackCluster.Cluster cluster;

    @Override
    public Integer call() throws Exception {
        Bench.deleteRecursively(work);
        final Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("started", Instant.now().toString());
        meta.put("machine", Machine.describe());
        meta.put("settings", Map.of("minutes", minutes, "rate", rate, "sample_seconds", sampleSeconds, "types", types));
        final List<Sample> samples = new ArrayList<>();
        final AtomicLongArray acked = new AtomicLongArray(types);
        final Map<String, Long> counted;
        try (LoopbackCluster.Cluster started = LoopbackCluster.Cluster.start(work, LoopbackCluster.Ports.free(), null,
                Map.of("TALLY_DEMO_SECRET", SECRET));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, started.bootstrapServers()))) {
            cluster = started;
            System.err.println("soak: cluster up in " + work.toAbsolutePath() + "; " + minutes + " min at " + rate + "/s");
            final Load load = new Load(Load.client(), Duration.ofSeconds(10));
            final Instant start = Instant.now();
            final int slices = Math.max(1, (int) Math.round(minutes * 60 / sampleSeconds));
            for (int slice = 0; slice < slices; slice++) {
                final long base = (long) slice * (long) Math.ceil(rate * sampleSeconds);
                final Load.Result r = load.openLoop("soak " + (slice + 1) + "/" + slices, rate, Duration.ofSeconds(sampleSeconds),
                        1024, 202, i -> delivery(base + i), i -> acked.incrementAndGet((int) ((base + i) % types)));
                final Sample s = new Sample(Duration.between(start, Instant.now()).toMillis() / 60_000.0, r.okPerSec(), r.failed(),
                        r.millis(50), r.millis(99), r.millis(99.9), rss(cluster), oldGen(cluster), lag(admin),
                        Machine.directorySize(work.resolve("processor-1")) + Machine.directorySize(work.resolve("processor-2")) >> 20);
                samples.add(s);
                System.err.printf(Locale.ROOT, "soak %5.1f min: %.0f ok/s, %d failed, p99 %.1f ms, lag %d, RSS %s MiB, old gen %s MiB%n",
                        s.minute(), s.okPerSec(), s.failed(), s.p99(), s.lag(), s.rssMiB(), s.oldGenMiB());
            }
            counted = awaitCounts(acked, samples.stream().mapToLong(Sample::failed).sum());
        }
        meta.put("finished", Instant.now().toString());
        return write(meta, samples, acked, counted) ? 0 : 1;
    }

    private HttpRequest delivery(final long i) {
        final byte[] body = ("{\"event_id\":\"soak-" + i + "\",\"event_type\":\"soak-t" + (i % types) + "\",\"timestamp\":\""
                + Instant.now() + "\",\"schema_version\":\"1\"}").getBytes(StandardCharsets.UTF_8);
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.gatewayPort(1 + (int) (i % 2))
                        + "/webhooks/demo"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("X-Signature", HmacVerifier.sign(SECRET.getBytes(StandardCharsets.UTF_8), body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private static Map<String, Long> rss(final LoopbackCluster.Cluster cluster) {
        final Map<String, Long> rss = new LinkedHashMap<>();
        cluster.pids().forEach((name, pid) -> rss.put(name, Machine.rssBytes(Path.of("/proc", String.valueOf(pid), "status")) >> 20));
        return rss;
    }

    /**
     * Each JVM's old generation in use (jstat's {@code OU}), MiB, or -1 where jstat is missing. RSS
     * alone cannot tell a leak from a heap that grows towards its {@code -Xmx} or a buffer allocated
     * once; what survives into the old generation over time can.
     */
    private static Map<String, Long> oldGen(final LoopbackCluster.Cluster cluster) {
        final Path jstat = Path.of(System.getProperty("java.home"), "bin", "jstat");
        final Map<String, Long> used = new LinkedHashMap<>();
        cluster.pids().forEach((name, pid) -> used.put(name, jstatOldGen(jstat, pid)));
        return used;
    }

    private static long jstatOldGen(final Path jstat, final long pid) {
        if (!Files.isExecutable(jstat)) {
            return -1;
        }
        try {
            final Process p = new ProcessBuilder(jstat.toString(), "-gc", String.valueOf(pid)).redirectErrorStream(true).start();
            final String[] lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().split("\n");
            p.waitFor(10, TimeUnit.SECONDS);
            final List<String> header = List.of(lines[0].strip().split("\\s+"));
            final String[] values = lines[lines.length - 1].strip().split("\\s+");
            return (long) (Double.parseDouble(values[header.indexOf("OU")]) / 1024);
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Records not yet committed by the processors, over every topic they read (raw and repartition). */
    private static long lag(final Admin admin) {
        try {
            final Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                    .partitionsToOffsetAndMetadata().get();
            final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            final var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
            long lag = 0;
            for (var e : committed.entrySet()) {
                if (e.getValue() != null) {
                    lag += Math.max(0, ends.get(e.getKey()).offset() - e.getValue().offset());
                }
            }
            return lag;
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * Every type's total, polled until each equals its acknowledged deliveries (with failed
     * deliveries, some of which Kafka may hold after all: until the sum reaches the acknowledged
     * ones), or five minutes pass.
     */
    private Map<String, Long> awaitCounts(final AtomicLongArray acked, final long failed) throws InterruptedException {
        final var http = Load.client();
        final long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        Map<String, Long> totals = new LinkedHashMap<>();
        while (System.nanoTime() < deadline) {
            totals = new LinkedHashMap<>();
            boolean complete = true;
            for (int t = 0; t < types; t++) {
                long total = -1;
                try {
                    final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                    + cluster.queryPort(1) + "/v1/counters/" + COUNTER + "/total?key=demo%7Csoak-t" + t))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        total = Json.MAPPER.readTree(r.body()).get("total").asLong();
                    }
                } catch (IOException e) {
                    // not answered this round
                }
                totals.put("soak-t" + t, total);
                complete &= failed == 0 ? total == acked.get(t) : total >= acked.get(t);
            }
            if (complete) {
                return totals;
            }
            Thread.sleep(1000);   // polling interval, bounded by the deadline
        }
        return totals;
    }

    /** Writes soak.json, soak.md and the plots; returns whether every check of the verdict passed. */
    private boolean write(final Map<String, Object> meta, final List<Sample> samples, final AtomicLongArray ackedPerType,
                          final Map<String, Long> counted) {
        long acked = 0;
        for (int t = 0; t < types; t++) {
            acked += ackedPerType.get(t);
        }
        final long total = counted.values().stream().mapToLong(v -> Math.max(0, v)).sum();
        final List<Sample> middle = third(samples, 1);
        final List<Sample> last = third(samples, 2);
        final Map<String, Object> verdict = new LinkedHashMap<>();
        verdict.put("acknowledged", acked);
        verdict.put("counted", total);
        verdict.put("failed_deliveries", samples.stream().mapToLong(Sample::failed).sum());
        for (String process : samples.isEmpty() ? List.<String>of() : samples.get(0).rssMiB().keySet()) {
            verdict.put("rss_mib_" + process + "_middle_vs_last", List.of(mean(middle, s -> s.rssMiB().getOrDefault(process, 0L)),
                    mean(last, s -> s.rssMiB().getOrDefault(process, 0L))));
        }
        for (String process : samples.isEmpty() ? List.<String>of() : samples.get(0).oldGenMiB().keySet()) {
            verdict.put("old_gen_mib_" + process + "_middle_vs_last", List.of(mean(middle, s -> s.oldGenMiB().getOrDefault(process, 0L)),
                    mean(last, s -> s.oldGenMiB().getOrDefault(process, 0L))));
        }
        verdict.put("lag_middle_vs_last", List.of(mean(middle, s -> s.lag()), mean(last, s -> s.lag())));
        verdict.put("p99_ms_middle_vs_last", List.of(mean(middle, Sample::p99), mean(last, Sample::p99)));
        verdict.put("state_mib_middle_vs_last", List.of(mean(middle, s -> s.stateMiB()), mean(last, s -> s.stateMiB())));
        final Map<String, Boolean> checks = verdict(samples, middle, last, ackedPerType, counted);
        verdict.put("checks", checks);
        final Map<String, Object> json = new LinkedHashMap<>(meta);
        json.put("verdict", verdict);
        json.put("samples", samples);
        final StringBuilder md = new StringBuilder("| minute | ok/s | failed | p50 ms | p99 ms | p99.9 ms | lag | state MiB | RSS MiB | old gen MiB |\n"
                + "|---|---|---|---|---|---|---|---|---|---|\n");
        for (Sample s : samples) {
            md.append(String.format(Locale.ROOT, "| %.1f | %.0f | %d | %.1f | %.1f | %.1f | %d | %d | %s | %s |%n", s.minute(), s.okPerSec(),
                    s.failed(), s.p50(), s.p99(), s.p999(), s.lag(), s.stateMiB(), s.rssMiB(), s.oldGenMiB()));
        }
        md.append("\nAcknowledged ").append(acked).append(", counted ").append(total).append(". Middle third vs last third: ")
                .append(verdict).append('\n');
        checks.forEach((check, ok) -> md.append("- ").append(ok ? "PASS " : "FAIL ").append(check).append('\n'));
        try {
            Files.createDirectories(out);
            Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(out.resolve("soak.json").toFile(), json);
            Files.writeString(out.resolve("soak.md"), md.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        final double[] x = samples.stream().mapToDouble(Sample::minute).toArray();
        final Map<String, double[][]> rss = new LinkedHashMap<>();
        for (String process : samples.isEmpty() ? List.<String>of() : samples.get(0).rssMiB().keySet()) {
            rss.put(process, new double[][] {x, samples.stream().mapToDouble(s -> s.rssMiB().getOrDefault(process, 0L)).toArray()});
        }
        Plots.lines(out.resolve("soak-rss.png"), "RSS per process during the soak", "minutes", "MiB", false, rss);
        final Map<String, double[][]> old = new LinkedHashMap<>();
        for (String process : samples.isEmpty() ? List.<String>of() : samples.get(0).oldGenMiB().keySet()) {
            old.put(process, new double[][] {x, samples.stream().mapToDouble(s -> s.oldGenMiB().getOrDefault(process, 0L)).toArray()});
        }
        Plots.lines(out.resolve("soak-old-gen.png"), "Old generation in use per JVM during the soak (jstat OU)", "minutes", "MiB", false, old);
        Plots.lines(out.resolve("soak-lag-latency.png"), "Consumer lag and ingest p99 during the soak", "minutes", "records / ms", false,
                Map.of("processor lag (records)", new double[][] {x, samples.stream().mapToDouble(Sample::lag).toArray()},
                        "ingest p99 (ms)", new double[][] {x, samples.stream().mapToDouble(Sample::p99).toArray()}));
        System.out.println(md);
        System.out.println("results in " + out.toAbsolutePath());
        return !checks.containsValue(false);
    }

    /**
     * The checks of a soak: exact counts per type (with failed deliveries: at least the acknowledged
     * ones and at most those plus the failed), no failed deliveries, and flat resources — over the
     * last third against the middle third, each process's RSS and old generation grow by less than
     * 15 % (or 64 MiB), the lag stays under twice its middle-third level or five seconds of load, and
     * the ingest p99 under twice its middle-third level or that plus 50 ms.
     */
    private Map<String, Boolean> verdict(final List<Sample> samples, final List<Sample> middle, final List<Sample> last,
                                         final AtomicLongArray acked, final Map<String, Long> counted) {
        final Map<String, Boolean> checks = new LinkedHashMap<>();
        final long failed = samples.stream().mapToLong(Sample::failed).sum();
        boolean exact = true;
        for (int t = 0; t < types; t++) {
            final long c = counted.getOrDefault("soak-t" + t, -1L);
            exact &= failed == 0 ? c == acked.get(t) : c >= acked.get(t) && c <= acked.get(t) + failed;
        }
        checks.put("counts equal the acknowledged deliveries, per type", exact);
        checks.put("no delivery failed", failed == 0);
        for (String process : samples.isEmpty() ? List.<String>of() : samples.get(0).rssMiB().keySet()) {
            final double before = mean(middle, s -> s.rssMiB().getOrDefault(process, 0L));
            final double after = mean(last, s -> s.rssMiB().getOrDefault(process, 0L));
            checks.put("RSS of " + process + " flat (" + before + " -> " + after + " MiB)", after <= Math.max(before * 1.15, before + 64));
        }
        for (String process : samples.isEmpty() ? List.<String>of() : samples.get(0).oldGenMiB().keySet()) {
            final double before = mean(middle, s -> s.oldGenMiB().getOrDefault(process, 0L));
            final double after = mean(last, s -> s.oldGenMiB().getOrDefault(process, 0L));
            checks.put("old generation of " + process + " flat (" + before + " -> " + after + " MiB)",
                    after <= Math.max(before * 1.15, before + 64));
        }
        final double lagBefore = mean(middle, s -> s.lag());
        final double lagAfter = mean(last, s -> s.lag());
        checks.put("lag flat (" + lagBefore + " -> " + lagAfter + " records)", lagAfter <= Math.max(2 * lagBefore, 5 * rate));
        final double p99Before = mean(middle, Sample::p99);
        final double p99After = mean(last, Sample::p99);
        checks.put("ingest p99 flat (" + p99Before + " -> " + p99After + " ms)", p99After <= Math.max(2 * p99Before, p99Before + 50));
        return checks;
    }

    private static List<Sample> third(final List<Sample> samples, final int which) {
        final int n = samples.size();
        return samples.subList(which * n / 3, Math.max(which * n / 3 + 1, Math.min(n, (which + 1) * n / 3)));
    }

    private static double mean(final List<Sample> samples, final java.util.function.ToDoubleFunction<Sample> f) {
        return Report.round(samples.stream().mapToDouble(f).average().orElse(Double.NaN));
    }
}
