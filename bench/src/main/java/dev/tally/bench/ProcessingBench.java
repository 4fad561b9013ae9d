package dev.tally.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.tally.schemas.Topics;

/**
 * Events per second through Tally's whole topology from a pre-filled raw topic, against plain Kafka
 * Streams windowed counting of the same topic in the same run. Each app runs alone in a child JVM;
 * progress is read from its committed offsets.
 */
final class ProcessingBench {

    /**
     * One measured point: the same topic processed by the baseline, then by Tally, then by the baseline
     * again. Tally is compared with the mean of the two baseline runs: in one run the baseline measured
     * 68,560 events/s right after the pre-fill and 109,357 at the end, and one baseline run before
     * Tally would have flattered Tally's ratio by that much.
     */
    record Point(long events, int keys, double prefillSeconds, Drain.Outcome baseline, Drain.Outcome tally,
                 Drain.Outcome baselineLast, long baselineStateBytes, long tallyStateBytes, Drain.Late tallyLate) {

        double baselineEventsPerSecond() {
            return (baseline.eventsPerSecond() + baselineLast.eventsPerSecond()) / 2;
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
            m.put("baseline_last", outcome(baselineLast, -1));
            m.put("tally_events_late", tallyLate.count());
            m.put("tally_late_counter_time_ahead_median_s", Report.round(tallyLate.medianAheadSeconds()));
            m.put("tally_late_counter_time_ahead_max_s", Report.round(tallyLate.maxAheadSeconds()));
            m.put("tally_late_counter_time_past_newest_input", tallyLate.pastNewestInput());
            m.put("ratio", Report.round(tally.eventsPerSecond() / baselineEventsPerSecond()));
            m.put("input_ratio", Report.round(tally.inputEventsPerSecond() / baselineInputEventsPerSecond()));
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
            if (stateBytes >= 0) {
                m.put("state_bytes", stateBytes);
            }
            m.put("series_t_committed_rss", o.series().stream().map(s -> List.of(Report.round(s[0]), (long) s[1], (long) s[2] >> 20)).toList());
            return m;
        }
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

    /** Numbers the points of a run: each point's apps get application ids of their own. */
    static final AtomicInteger POINTS = new AtomicInteger();

    private ProcessingBench() {
    }

    static Point point(final Path work, final Broker broker, final long events, final int keys, final String heap,
                       final long timeoutSeconds, final Mode mode) {
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
            final Drain.Outcome baseline = runApp(work, broker, drain, Apps.Kind.BASELINE, "bench-baseline-" + n, shape, heap,
                    timeoutSeconds, mode);
            final long baselineState = Machine.directorySize(work.resolve("state-bench-baseline-" + n));
            final Drain.Outcome tally = runApp(work, broker, drain, Apps.Kind.TALLY, "bench-tally-" + n, shape, heap,
                    timeoutSeconds, mode);
            final long tallyState = Machine.directorySize(work.resolve("state-bench-tally-" + n));
            final Drain.Outcome baselineLast = runApp(work, broker, drain, Apps.Kind.BASELINE, "bench-baseline-last-" + n, shape,
                    heap, timeoutSeconds, mode);
            final Drain.Late late = drain.late(broker.bootstrap(), newestEventTime);
            if (late.count() > 0) {
                System.err.printf("  [bench-tally-%d] %,d events went to %s instead of a count: the counter's time was ahead of"
                        + " theirs by %.1f s (median), %.1f s (max); %,d found it past the input's newest event time%n", n,
                        late.count(), Topics.LATE.name(), late.medianAheadSeconds(), late.maxAheadSeconds(), late.pastNewestInput());
            }
            return new Point(events, keys, prefill, baseline, tally, baselineLast, baselineState, tallyState, late);
        }
    }

    /** Runs {@code kind} (Tally as {@code shape}) over the raw topic until drained. */
    static Drain.Outcome runApp(final Path work, final Broker broker, final Drain drain, final Apps.Kind kind,
                                final String applicationId, final Rig.Shape shape, final String heap, final long timeoutSeconds,
                                final Mode mode) {
        try (Apps.Running app = Apps.start(mode.forkApps(), kind, broker.bootstrap(), applicationId,
                work.resolve("state-" + applicationId), shape, heap, work.resolve(applicationId + ".log"))) {
            final Drain.Outcome o = drain.await(applicationId, timeoutSeconds, app::rss, kind.name().toLowerCase(java.util.Locale.ROOT));
            System.err.printf("  [%s] %s: %,.0f events/s end to end, %,.0f events/s while input lasts, tail %.1f s (drained: %s)%n",
                    applicationId, kind, o.eventsPerSecond(), o.inputEventsPerSecond(), o.tailSeconds(), o.drained());
            return o;
        }
    }
}
