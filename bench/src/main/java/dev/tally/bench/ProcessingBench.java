package dev.tally.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import dev.tally.config.Durations;
import dev.tally.schemas.Topics;

/**
 * Events per second through Tally's whole topology from a pre-filled raw topic, against plain Kafka
 * Streams windowed counting of the same topic in the same run, and against the peer: Tally's outputs
 * glued by hand in the DSL ({@link PeerTopology}). Each app runs alone in a child JVM; progress is read
 * from its committed offsets.
 */
final class ProcessingBench {

    /**
     * One measured point: the same topic processed by the baseline, then by Tally (and, in the processing
     * benchmark, the peer and Tally's variants), then by the baseline again. Tally is compared with the mean
     * of the two baseline runs: in one run the baseline measured 68,560 events/s right after the pre-fill
     * and 109,357 at the end, and one baseline run before Tally would have flattered Tally's ratio by that much.
     */
    record Point(long events, int keys, double prefillSeconds, Drain.Outcome baseline, Drain.Outcome tally,
                 Drain.Outcome baselineLast, long baselineStateBytes, long tallyStateBytes, Drain.Late tallyLate,
                 Optional<Peer> peer, List<Variant> variants) {

        double baselineEventsPerSecond() {
            return (baseline.eventsPerSecond() + baselineLast.eventsPerSecond()) / 2;
        }

        /**
         * Tally's figure: in the full lineup the mean of its first run and {@link #TALLY_LAST}, as the baseline's;
         * the first run over a point's topic was up to 18 % slower than the same app at the end of the lineup.
         */
        double tallyEventsPerSecond() {
            return last().map(v -> (tally.eventsPerSecond() + v.outcome().eventsPerSecond()) / 2).orElse(tally.eventsPerSecond());
        }

        double tallyInputEventsPerSecond() {
            return last().map(v -> (tally.inputEventsPerSecond() + v.outcome().inputEventsPerSecond()) / 2)
                    .orElse(tally.inputEventsPerSecond());
        }

        /** Tally's second run, the last before the baseline's. */
        Optional<Variant> last() {
            return variants.stream().filter(v -> v.name().equals(TALLY_LAST)).findFirst();
        }

        double baselineInputEventsPerSecond() {
            return (baseline.inputEventsPerSecond() + baselineLast.inputEventsPerSecond()) / 2;
        }

        Map<String, Object> toMap() {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("events", events);
            m.put("keys", keys);
            m.put("prefill_seconds", Report.round(prefillSeconds));
            m.put("baseline", outcome(baseline, baselineStateBytes));
            m.put("tally", outcome(tally, tallyStateBytes));
            peer.ifPresent(pr -> {
                final Map<String, Object> o = outcome(pr.outcome(), pr.stateBytes());
                o.put("events_counted", pr.counted());
                o.put("counted_every_event", pr.counted() == events);
                o.put("events_in_windows_" + pr.window(), pr.countedInWindows());
                m.put("peer", o);
            });
            for (Variant v : variants) {
                final Map<String, Object> o = outcome(v.outcome(), -1);
                o.put("shape", v.shape().describe());
                o.put("events_late", v.eventsLate());
                o.put("ratio", Report.round(v.outcome().eventsPerSecond() / baselineEventsPerSecond()));
                m.put(v.name(), o);
            }
            m.put("baseline_last", outcome(baselineLast, -1));
            m.put("tally_events_late", tallyLate.count());
            m.put("tally_late_counter_time_ahead_median_s", Report.round(tallyLate.medianAheadSeconds()));
            m.put("tally_late_counter_time_ahead_max_s", Report.round(tallyLate.maxAheadSeconds()));
            m.put("tally_late_counter_time_past_newest_input", tallyLate.pastNewestInput());
            m.put("tally_events_per_s_mean", Report.round(tallyEventsPerSecond()));
            m.put("ratio", Report.round(tallyEventsPerSecond() / baselineEventsPerSecond()));
            m.put("input_ratio", Report.round(tallyInputEventsPerSecond() / baselineInputEventsPerSecond()));
            peer.ifPresent(pr -> m.put("tally_vs_peer", Report.round(tallyEventsPerSecond() / pr.outcome().eventsPerSecond())));
            // the same outputs as the peer's: Tally without events.ordered
            peer.ifPresent(pr -> variants.stream().filter(v -> !v.shape().orderedOutput() && !v.shape().secondCounter()).findFirst()
                    .ifPresent(v -> m.put("tally_unordered_vs_peer", Report.round(v.outcome().eventsPerSecond() / pr.outcome().eventsPerSecond()))));
            return m;
        }

        /** {@code stateBytes}: the size of its state dir after the run, or -1 for not measured. */
        private static Map<String, Object> outcome(final Drain.Outcome o, final long stateBytes) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("drained", o.drained());
            m.put("startup_seconds", Report.round(o.firstCommitSeconds()));
            m.put("seconds", Report.round(o.drainedSeconds() - o.firstCommitSeconds()));
            m.put("events_per_s", Report.round(o.eventsPerSecond()));
            m.put("input_events_per_s", Report.round(o.inputEventsPerSecond()));
            m.put("tail_seconds", Report.round(o.tailSeconds()));
            m.put("peak_rss_mb", o.peakRssBytes() >> 20);
            m.put("app_cpu_us_per_event", Report.round(o.appCpuMicrosPerEvent()));
            m.put("broker_cpu_us_per_event", Report.round(o.brokerCpuMicrosPerEvent()));
            if (stateBytes >= 0) {
                m.put("state_bytes", stateBytes);
            }
            m.put("series_t_committed_rss", o.series().stream().map(s -> List.of(Report.round(s[0]), (long) s[1], (long) s[2] >> 20)).toList());
            return m;
        }
    }

    /**
     * The peer's run ({@link PeerTopology}), the events it counted in its totals, and those its windows of
     * {@code window} (the counter's first size) hold (see {@link PeerCheck}).
     */
    record Peer(Drain.Outcome outcome, long counted, String window, long countedInWindows, long stateBytes) {
    }

    /** Tally in another shape over the same topic, compared with the same baseline; {@code name} is its key in results.json. */
    record Variant(String name, Rig.Shape shape, Drain.Outcome outcome, long eventsLate) {
    }

    /** What a point runs between its two baseline runs. */
    enum Lineup {
        /** Tally alone (the scale curves). */
        TALLY,
        /**
         * After a warm-up run of the baseline: the baseline, Tally, the peer, Tally with {@code ordered_output: false}, Tally with a
         * second counter, Tally again, the baseline again (the processing benchmark).
         */
        FULL
    }

    /**
     * Tally's reorder delay in the processing runs, how long "committed to the end" must hold
     * before a run counts as drained (left out of the measured time, for both apps alike), and
     * whether each app runs in a child JVM of its own.
     */
    record Mode(Duration reorderDelay, Duration stable, boolean forkApps) {
        /** Tally's default reorder delay; 4 s of stable offsets; each app in its own JVM. */
        static final Mode DEFAULT = new Mode(Duration.ofSeconds(5), Duration.ofSeconds(4), true);
        /** For smoke runs, which check the harness and measure nothing: the apps in this JVM. */
        static final Mode SMOKE = new Mode(Duration.ofMillis(500), Duration.ofSeconds(1), false);
    }

    /** The variant that runs Tally's standard shape again at the end of the full lineup. */
    static final String TALLY_LAST = "tally_last";

    /** Numbers the points of a run: each point's apps get application ids of their own. */
    static final AtomicInteger POINTS = new AtomicInteger();

    private ProcessingBench() {
    }

    static Point point(final Path work, final Broker broker, final long events, final int keys, final String heap,
                       final long timeoutSeconds, final Mode mode, final Lineup lineup) {
        broker.reset();
        try (Drain drain = new Drain(broker.bootstrap(), mode.stable())) {
            final double prefill;
            final long newestEventTime;
            try (RawProducer producer = new RawProducer(broker.bootstrap())) {
                prefill = producer.prefill(events, keys, "processing " + keys + " keys");
                newestEventTime = System.currentTimeMillis();   // the prefill's event times end at its start + events ms < now
            }
            final int n = POINTS.incrementAndGet();
            final Rig.Shape shape = Rig.Shape.standard(mode.reorderDelay());
            if (lineup == Lineup.FULL) {
                // Not measured: the broker's first run over a topic was the slowest of a point (the baseline at 28,392
                // events/s before Tally, 44,434 after it, in one run), which fell on whichever app ran first.
                runApp(work, broker, drain, Apps.Kind.BASELINE, "bench-warmup-" + n, shape, heap, timeoutSeconds, mode);
            }
            final Drain.Outcome baseline = runApp(work, broker, drain, Apps.Kind.BASELINE, "bench-baseline-" + n, shape, heap,
                    timeoutSeconds, mode);
            final long baselineState = Machine.directorySize(work.resolve("state-bench-baseline-" + n));
            final Drain.Outcome tally = runApp(work, broker, drain, Apps.Kind.TALLY, "bench-tally-" + n, shape, heap,
                    timeoutSeconds, mode);
            final long tallyState = Machine.directorySize(work.resolve("state-bench-tally-" + n));
            // events.late is shared by every Tally run of the point: read after each, what is new is that run's
            final Drain.Late late = drain.late(broker.bootstrap(), newestEventTime);
            if (late.count() > 0) {
                System.err.printf("  [bench-tally-%d] %,d events went to %s instead of a count: the counter's time was ahead of"
                        + " theirs by %.1f s (median), %.1f s (max); %,d found it past the input's newest event time%n", n,
                        late.count(), Topics.LATE.name(), late.medianAheadSeconds(), late.maxAheadSeconds(), late.pastNewestInput());
            }
            final Optional<Peer> peer = lineup == Lineup.FULL
                    ? Optional.of(peer(work, broker, drain, "bench-peer-" + n, events, shape, heap, timeoutSeconds, mode))
                    : Optional.empty();
            final List<Variant> variants = lineup == Lineup.FULL
                    ? variants(work, broker, drain, n, shape, late.count(), newestEventTime, heap, timeoutSeconds, mode)
                    : List.of();
            final Drain.Outcome baselineLast = runApp(work, broker, drain, Apps.Kind.BASELINE, "bench-baseline-last-" + n, shape,
                    heap, timeoutSeconds, mode);
            return new Point(events, keys, prefill, baseline, tally, baselineLast, baselineState, tallyState, late, peer, variants);
        }
    }

    /** Runs the peer, then reads what it counted. */
    private static Peer peer(final Path work, final Broker broker, final Drain drain, final String applicationId, final long events,
                             final Rig.Shape shape, final String heap, final long timeoutSeconds, final Mode mode) {
        final Drain.Outcome o = runApp(work, broker, drain, Apps.Kind.PEER, applicationId, shape, heap, timeoutSeconds, mode);
        final long counted = PeerCheck.counted(broker.bootstrap());
        final String smallest = shape.windows().get(0);
        final long inWindows = PeerCheck.countedInWindows(broker.bootstrap(), Durations.parse(smallest));
        System.err.printf("  [%s] counted %,d of %,d distinct events; its %s windows hold %,d%n", applicationId, counted, events,
                smallest, inWindows);
        return new Peer(o, counted, smallest, inWindows, Machine.directorySize(work.resolve("state-" + applicationId)));
    }

    /**
     * Runs Tally with {@code ordered_output: false}, then with a second counter (issue 19 asks for both against
     * the baseline), then as the first Tally run again. {@code lateBefore}: what the Tally runs before them sent to the shared {@code events.late}.
     */
    private static List<Variant> variants(final Path work, final Broker broker, final Drain drain, final int n, final Rig.Shape shape,
                                          final long lateBefore, final long newestEventTime, final String heap,
                                          final long timeoutSeconds, final Mode mode) {
        final List<Variant> variants = new ArrayList<>();
        long late = lateBefore;
        for (Map.Entry<String, Rig.Shape> v : List.of(
                Map.entry("tally_unordered", shape.withOrderedOutput(false)),
                Map.entry("tally_two_counters", shape.withSecondCounter()),
                Map.entry(TALLY_LAST, shape))) {
            final String applicationId = "bench-" + v.getKey().replace('_', '-') + "-" + n;
            final Drain.Outcome o = runApp(work, broker, drain, Apps.Kind.TALLY, applicationId, v.getValue(), heap, timeoutSeconds, mode);
            final long lateNow = drain.late(broker.bootstrap(), newestEventTime).count();
            variants.add(new Variant(v.getKey(), v.getValue(), o, lateNow - late));
            late = lateNow;
        }
        return variants;
    }

    /** Runs {@code kind} (Tally as {@code shape}) over the raw topic until drained. */
    static Drain.Outcome runApp(final Path work, final Broker broker, final Drain drain, final Apps.Kind kind,
                                final String applicationId, final Rig.Shape shape, final String heap, final long timeoutSeconds,
                                final Mode mode) {
        final long brokerCpuBefore = broker.cpuNanos();
        try (Apps.Running app = Apps.start(mode.forkApps(), kind, broker.bootstrap(), applicationId,
                work.resolve("state-" + applicationId), shape, heap, work.resolve(applicationId + ".log"))) {
            final Drain.Outcome drained = drain.await(applicationId, timeoutSeconds, app::rss, kind.name().toLowerCase(java.util.Locale.ROOT));
            final long brokerCpuAfter = broker.cpuNanos();
            final Drain.Outcome o = drained.withCpu(app.cpuNanos(),
                    brokerCpuBefore < 0 || brokerCpuAfter < 0 ? -1 : brokerCpuAfter - brokerCpuBefore);
            System.err.printf("  [%s] %s: %,.0f events/s end to end, %,.0f events/s while input lasts, tail %.1f s (drained: %s);"
                            + " CPU per event: app %.1f µs, broker %.1f µs%n",
                    applicationId, kind, o.eventsPerSecond(), o.inputEventsPerSecond(), o.tailSeconds(), o.drained(),
                    o.appCpuMicrosPerEvent(), o.brokerCpuMicrosPerEvent());
            return o;
        }
    }
}
