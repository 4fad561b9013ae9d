package dev.tally.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code java -jar tally-bench.jar all}: runs the benchmarks, each against its baseline in the same
 * run, and writes {@code results.json}, {@code results.md} and PNG plots to {@code --out}.
 */
@Command(name = "tally-bench", mixinStandardHelpOptions = true,
        description = "Tally benchmarks: ingest, processing, freshness, query, scale (or all); "
                + "stages: the processing topology built up stage by stage (not in all).")
public final class Bench implements Callable<Integer> {

    static final List<String> ALL = List.of("ingest", "processing", "freshness", "query", "scale");
    /** Benchmarks run only when named: they explain a figure of {@link #ALL} rather than add one. */
    static final List<String> EXTRA = List.of("stages");

    @Parameters(arity = "1..*", description = "all, or any of: ${COMPLETION-CANDIDATES}", completionCandidates = Names.class)
    List<String> which;

    @Option(names = "--out", description = "where results go (default ${DEFAULT-VALUE})", defaultValue = "bench/results")
    Path out;
    @Option(names = "--work", description = "scratch space, emptied first (default ${DEFAULT-VALUE})", defaultValue = "bench/target/work")
    Path work;
    @Option(names = "--smoke", description = "tiny sizes, seconds: checks the harness, measures nothing")
    boolean smoke;
    @Option(names = "--in-process-broker", description = "run the broker in this JVM instead of a child JVM")
    boolean inProcessBroker;
    @Option(names = "--heap", defaultValue = "1g", description = "-Xmx of each processing child JVM (default ${DEFAULT-VALUE})")
    String heap;

    @Option(names = "--ingest-seconds", defaultValue = "10", description = "ingest: seconds of each wrk and open-loop run (default ${DEFAULT-VALUE})")
    int ingestSeconds;
    @Option(names = "--ingest-rounds", defaultValue = "3", description = "ingest: rounds at each connection count, median (default ${DEFAULT-VALUE})")
    int ingestRounds;
    @Option(names = "--ingest-connections", split = ",", defaultValue = "16,64,256",
            description = "ingest: the closed-loop sweep's connection counts (default ${DEFAULT-VALUE})")
    List<Integer> ingestConnections;
    @Option(names = "--ingest-fractions", split = ",", defaultValue = "0.25,0.5,0.75",
            description = "ingest: open-loop rates as fractions of the gateway's max (default ${DEFAULT-VALUE})")
    List<Double> ingestFractions;
    @Option(names = "--wrk-threads", defaultValue = "2", description = "ingest: wrk's threads (default ${DEFAULT-VALUE})")
    int wrkThreads;
    @Option(names = "--concurrency", defaultValue = "32", description = "query: requests in flight, at most 16 (default ${DEFAULT-VALUE})")
    int concurrency;
    @Option(names = "--events", defaultValue = "2000000", description = "processing, stages: events pre-filled (default ${DEFAULT-VALUE})")
    long events;
    @Option(names = "--keys", defaultValue = "100000", description = "processing, stages: distinct counter keys (default ${DEFAULT-VALUE})")
    int keys;
    @Option(names = "--fresh-rate", defaultValue = "5000", description = "freshness: background events/s written to webhooks.raw (default ${DEFAULT-VALUE})")
    double freshRate;
    @Option(names = "--fresh-seconds", defaultValue = "30") int freshSeconds;
    @Option(names = "--fresh-warmup", defaultValue = "10",
            description = "freshness: seconds of background load before the probes start (default ${DEFAULT-VALUE})")
    int freshWarmup;
    @Option(names = "--query-keys", defaultValue = "10000") int queryKeys;
    @Option(names = "--query-rate", defaultValue = "500") double queryRate;
    @Option(names = "--query-seconds", defaultValue = "10") int querySeconds;
    @Option(names = "--scale-keys", split = ",", defaultValue = "10000,100000,1000000") List<Integer> scaleKeys;
    @Option(names = "--scale-min-events", defaultValue = "100000") long scaleMinEvents;
    @Option(names = "--scale-rates", split = ",", defaultValue = "1000,2000,4000,8000") List<Double> scaleRates;
    @Option(names = "--scale-rate-seconds", defaultValue = "20") int scaleRateSeconds;
    @Option(names = "--timeout-seconds", defaultValue = "900", description = "longest wait for one processing run")
    long timeoutSeconds;

    static final class Names extends ArrayList<String> {
        Names() {
            super(List.of("all", "ingest", "processing", "freshness", "query", "scale", "stages"));
        }
    }

    public static void main(final String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            Apps.runChild(Apps.Kind.valueOf(args[1]), args[2], args[3], Path.of(args[4]), Rig.Shape.fromArgs(Arrays.asList(args).subList(5, 9)));
            return;
        }
        if (args.length > 0 && args[0].equals("soak")) {
            System.setProperty("java.awt.headless", "true");
            System.exit(new CommandLine(new Soak()).execute(Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && args[0].equals("child-http")) {
            HttpChild.runChild(HttpChild.Kind.valueOf(args[1]), args[2], Path.of(args[3]));
            return;
        }
        if (args.length > 0 && args[0].equals("child-broker")) {
            Broker.runChild(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        System.setProperty("java.awt.headless", "true");
        System.exit(new CommandLine(new Bench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        final List<String> run = which.contains("all") ? ALL : which;
        for (String w : run) {
            if (!ALL.contains(w) && !EXTRA.contains(w)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "unknown benchmark '" + w + "'; use all, "
                        + ALL + " or " + EXTRA);
            }
        }
        if (smoke) {
            applySmokeSizes();
        }
        Report report = run(run);
        System.out.println(report.markdown());
        System.out.println("results in " + report.dir().toAbsolutePath());
        return 0;
    }

    Report run(final List<String> run) throws Exception {
        deleteRecursively(work);
        final Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("started", Instant.now().toString());
        meta.put("machine", Machine.describe());
        meta.put("benchmarks", run);
        meta.put("smoke", smoke);
        meta.put("settings", settings());
        // A run of extras only gets a folder of its own, so it does not overwrite the last run of all five.
        final Report report = new Report(EXTRA.containsAll(run) ? out.resolve(String.join("-", run)) : out, meta);
        try (Broker broker = Broker.start(work.resolve("broker"), !inProcessBroker)) {
            runEach(run, report, broker);
        }
        meta.put("finished", Instant.now().toString());
        meta.put("load_average_at_end", Machine.loadAverage());
        report.write();
        return report;
    }

    private void runEach(final List<String> run, final Report report, final Broker broker) throws Exception {
        for (String w : run) {
            System.err.println("== " + w + " (load average " + Machine.loadAverage() + ")");
            final long started = System.nanoTime();
            final Path dir = work.resolve(w);
            switch (w) {
                case "ingest" -> IngestBench.run(report, dir, broker, new IngestBench.Settings(Duration.ofSeconds(ingestSeconds),
                        ingestConnections, ingestRounds, ingestFractions, Duration.ofSeconds(ingestSeconds), wrkThreads, true));
                case "processing" -> processing(report, dir, broker);
                case "stages" -> StagesBench.run(report, dir, broker, events, keys, heap, timeoutSeconds, mode());
                case "freshness" -> FreshnessBench.run(report, dir, broker, new FreshnessBench.Settings(freshRate,
                        Duration.ofSeconds(freshSeconds), Duration.ofSeconds(freshWarmup), smoke ? 2 : 4, Duration.ofMillis(20)));
                case "query" -> QueryBench.run(report, dir, broker, new QueryBench.Settings(queryKeys, Math.min(concurrency, 16),
                        Duration.ofSeconds(querySeconds), queryRate));
                case "scale" -> ScaleBench.run(report, dir, broker, new ScaleBench.Settings(scaleKeys, scaleMinEvents, scaleRates,
                        Duration.ofSeconds(scaleRateSeconds), heap, timeoutSeconds, mode()));
                default -> throw new IllegalStateException(w);
            }
            System.err.printf("== %s took %.0f s%n", w, (System.nanoTime() - started) / 1e9);
            deleteRecursively(dir);
            report.write();   // after each benchmark, so an interrupted run keeps what it measured
        }
    }

    /** CPU per event of the app's JVM and the broker together, or -1 when either is not known. */
    private static double cpuMicros(final Drain.Outcome o) {
        return o.appCpuMicrosPerEvent() < 0 || o.brokerCpuMicrosPerEvent() < 0 ? -1 : o.appCpuMicrosPerEvent() + o.brokerCpuMicrosPerEvent();
    }

    private void processing(final Report report, final Path dir, final Broker broker) {
        final ProcessingBench.Point p = ProcessingBench.point(dir, broker, events, keys, heap, timeoutSeconds, mode(),
                ProcessingBench.Lineup.FULL);
        report.section("processing", p.toMap());
        report.compare("processing", "events/s through the topology (" + events + " events, " + keys + " keys; Tally: the mean of"
                        + " its first and last run, as the baseline)", p.tallyEventsPerSecond(), p.baselineEventsPerSecond(), "/s", "≥ 0.50");
        report.compare("processing", "events/s while input lasts (without the end-of-input tail)",
                p.tallyInputEventsPerSecond(), p.baselineInputEventsPerSecond(), "/s", "—");
        p.peer().ifPresent(peer -> {
            report.compare("processing", "events/s against the peer (baseline column): Tally's outputs by hand in the DSL"
                    + " — dedupe processor, windowedBy(size).count() per size and a total, suppress(untilWindowCloses) for finals;"
                    + " Tally with events.ordered, which the peer does not write",
                    p.tallyEventsPerSecond(), peer.outcome().eventsPerSecond(), "/s", "≥ 1.5");
            // The peer writes no events.ordered: Tally with ordered_output false writes the same outputs as it does.
            p.variants().stream().filter(v -> !v.shape().orderedOutput() && !v.shape().secondCounter()).findFirst().ifPresent(same ->
                    report.compare("processing", "events/s against the peer (baseline column), the same outputs: Tally without"
                            + " events.ordered", same.outcome().eventsPerSecond(), peer.outcome().eventsPerSecond(), "/s", "≥ 1.5"));
            report.note("processing", "events the peer counted (the sum of its latest totals) of distinct events", "—",
                    String.format(Locale.ROOT, "%,d of %,d", peer.counted(), events), "—", String.format(Locale.ROOT, "%,d", events));
            report.note("processing", "events the peer's " + peer.window() + " windows hold (the sum of their latest counts): the rest it"
                            + " skipped as late, by its stream time; Tally's windows hold every event it did not send to events.late", "—",
                    String.format(Locale.ROOT, "%,d of %,d", peer.countedInWindows(), events), "—", String.format(Locale.ROOT, "%,d", events));
        });
        p.last().ifPresent(last -> report.note("processing", "Tally events/s, first and last run (their mean is Tally's figure above)",
                Report.format(p.tally().eventsPerSecond()) + " / " + Report.format(last.outcome().eventsPerSecond()), "—", "—", "—"));
        for (ProcessingBench.Variant v : p.variants()) {
            if (v.name().equals(ProcessingBench.TALLY_LAST)) {
                continue;
            }
            report.compare("processing", "events/s, " + v.shape().describe(), v.outcome().eventsPerSecond(), p.baselineEventsPerSecond(),
                    "/s", v.shape().secondCounter() ? "≥ 0.35" : "—");
        }
        report.note("processing", "baseline events/s before and after Tally (their mean is the baseline above)", "—",
                Report.format(p.baseline().eventsPerSecond()) + " / " + Report.format(p.baselineLast().eventsPerSecond()), "—", "—");
        report.note("processing", "events Tally sent to events.late instead of counting (replay skew, see BENCHMARKS.md)",
                String.format(Locale.ROOT, "%,d of %,d", p.tallyLate().count(), events)
                        + p.variants().stream().map(v -> String.format(Locale.ROOT, "; %s: %,d", v.shape().describe(), v.eventsLate()))
                        .collect(Collectors.joining()), "—", "—", "0");
        final double tallyCpu = p.last().map(l -> (cpuMicros(p.tally()) + cpuMicros(l.outcome())) / 2).orElse(cpuMicros(p.tally()));
        final double baselineCpu = (cpuMicros(p.baseline()) + cpuMicros(p.baselineLast())) / 2;
        if (tallyCpu > 0 && baselineCpu > 0) {
            // Less sensitive to a noisy machine than events/s: what each event costs, wherever the time went.
            report.compare("processing", "µs of CPU per event, the app's JVM (startup and JIT compilation included) and the broker"
                    + " (Tally: the mean of its first and last run; ratio above 1: Tally costs more)", tallyCpu, baselineCpu, " µs", "—");
        }
        for (ProcessingBench.Variant v : p.variants()) {
            if (!v.name().equals(ProcessingBench.TALLY_LAST) && cpuMicros(v.outcome()) > 0 && baselineCpu > 0) {
                report.compare("processing", "µs of CPU per event, " + v.shape().describe(), cpuMicros(v.outcome()), baselineCpu, " µs", "—");
            }
        }
        report.compare("processing", "peak RSS of the processing JVM", p.tally().peakRssBytes() >> 20,
                p.baseline().peakRssBytes() >> 20, " MiB", "—");
        final Map<String, double[][]> series = new LinkedHashMap<>();
        series.put("Tally", xy(p.tally()));
        p.peer().ifPresent(peer -> series.put("peer (the same outputs by hand in the DSL)", xy(peer.outcome())));
        p.variants().forEach(v -> series.put("Tally, " + v.shape().describe(), xy(v.outcome())));
        series.put("baseline (windowed count), before Tally", xy(p.baseline()));
        series.put("baseline (windowed count), after Tally", xy(p.baselineLast()));
        Plots.lines(report.dir().resolve("processing.png"), "Raw records committed over time (" + events + " events, " + keys
                + " keys)", "seconds since start", "records committed", false, series);
    }

    private ProcessingBench.Mode mode() {
        return smoke ? ProcessingBench.Mode.SMOKE : ProcessingBench.Mode.DEFAULT;
    }

    private static double[][] xy(final Drain.Outcome o) {
        return new double[][] {o.series().stream().mapToDouble(s -> s[0]).toArray(),
                o.series().stream().mapToDouble(s -> s[1]).toArray()};
    }

    private Map<String, Object> settings() {
        final Map<String, Object> s = new LinkedHashMap<>();
        s.put("ingest", Map.of("seconds", ingestSeconds, "rounds", ingestRounds, "connections", ingestConnections,
                "open_loop_fractions", ingestFractions, "wrk_threads", wrkThreads));
        s.put("processing", Map.of("events", events, "keys", keys, "heap", heap));
        s.put("stages", Map.of("events", events, "keys", keys, "heap", heap));
        s.put("freshness", Map.of("rate", freshRate, "seconds", freshSeconds, "warmup_seconds", freshWarmup));
        s.put("query", Map.of("keys", queryKeys, "rate", queryRate, "seconds", querySeconds));
        s.put("scale", Map.of("keys", scaleKeys, "min_events", scaleMinEvents, "rates", scaleRates, "rate_seconds", scaleRateSeconds));
        s.put("broker", inProcessBroker ? "in-process" : "child JVM -Xmx1g");
        return s;
    }

    void applySmokeSizes() {
        ingestSeconds = 1;
        ingestRounds = 1;
        concurrency = 4;
        ingestConnections = List.of(4, 16);
        ingestFractions = List.of(0.5);
        events = 1000;
        keys = 100;
        freshRate = 50;
        freshSeconds = 2;
        freshWarmup = 1;
        queryKeys = 100;
        queryRate = 100;
        querySeconds = 1;
        scaleKeys = List.of(50, 100);
        scaleMinEvents = 200;
        scaleRates = List.of(100.0, 200.0);
        scaleRateSeconds = 1;
        timeoutSeconds = 120;
        heap = "512m";
    }

    static void deleteRecursively(final Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String lower(final String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
