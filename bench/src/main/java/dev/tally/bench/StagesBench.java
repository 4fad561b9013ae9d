package dev.tally.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Where the processing time goes: Tally's topology built up stage by stage over one pre-filled raw
 * topic, each rung against the baseline of the same run. The baseline runs first and last, and each
 * rung is compared with the mean of the two, so a drift of the machine during the run shows as the
 * gap between them instead of hiding in one rung's ratio.
 *
 * <p>Before the rungs, Tally's writes without Tally ({@link WritesOnly}): how fast any Kafka Streams application
 * writing what Tally writes per event can go here. The rungs: dedupe and {@code events.ordered} alone (no reorder delay, a counter that counts
 * nothing); the reorder delay added; a counter with one window size and the total; the two more window
 * sizes of the processing benchmark (its topology); then that without {@code events.ordered}, and
 * with a second counter of another {@code group_by}.
 */
final class StagesBench {

    /** One rung of the ladder: what it adds, and Tally's shape for it. */
    record Rung(String adds, Rig.Shape shape) {
    }

    /** One measured app run: how fast, and how many records (and transaction markers) and bytes it wrote to Kafka. */
    record Measured(Drain.Outcome outcome, long written, Map<String, Long> bytesByTopic) {
        long bytes() {
            return bytesByTopic.values().stream().mapToLong(Long::longValue).sum();
        }

        double microsPerEvent() {
            return 1e6 / outcome.eventsPerSecond();
        }
    }

    private StagesBench() {
    }

    static List<Rung> rungs(final Duration reorderDelay) {
        return List.of(
                new Rung("dedupe and events.ordered (no reorder delay, nothing counted)", new Rig.Shape(Duration.ZERO, List.of())),
                new Rung("+ reorder delay " + reorderDelay.toMillis() + " ms", new Rig.Shape(reorderDelay, List.of())),
                new Rung("+ a counter: repartition, 1m window, total, updates, finals", new Rig.Shape(reorderDelay, List.of("1m"))),
                new Rung("+ 1h and 1d windows (the processing benchmark)", Rig.Shape.standard(reorderDelay)),
                new Rung("the processing benchmark without events.ordered", Rig.Shape.standard(reorderDelay).withOrderedOutput(false)),
                new Rung("the processing benchmark + a second counter (by event type)", Rig.Shape.standard(reorderDelay).withSecondCounter()));
    }

    static void run(final Report report, final Path work, final Broker broker, final long events, final int keys,
                    final String heap, final long timeoutSeconds, final ProcessingBench.Mode mode) {
        broker.reset();
        final List<Measured> measured = new ArrayList<>();
        final Measured first;
        final Measured writes;
        final Measured last;
        try (Drain drain = new Drain(broker.bootstrap(), mode.stable())) {
            try (RawProducer producer = new RawProducer(broker.bootstrap())) {
                producer.prefill(events, keys, "stages " + keys + " keys");
            }
            final int n = ProcessingBench.POINTS.incrementAndGet();
            final Rig.Shape standard = Rig.Shape.standard(mode.reorderDelay());
            first = measure(drain, () -> ProcessingBench.runApp(work, broker, drain, Apps.Kind.BASELINE,
                    "bench-stages-baseline-first-" + n, standard, heap, timeoutSeconds, mode));
            writes = measure(drain, () -> ProcessingBench.runApp(work, broker, drain, Apps.Kind.WRITES_ONLY,
                    "bench-stages-writes-only-" + n, standard, heap, timeoutSeconds, mode));
            int r = 0;
            for (Rung rung : rungs(mode.reorderDelay())) {
                final String app = "bench-stages-" + n + "-" + ++r;
                measured.add(measure(drain, () -> ProcessingBench.runApp(work, broker, drain, Apps.Kind.TALLY, app, rung.shape(),
                        heap, timeoutSeconds, mode)));
            }
            last = measure(drain, () -> ProcessingBench.runApp(work, broker, drain, Apps.Kind.BASELINE,
                    "bench-stages-baseline-last-" + n, standard, heap, timeoutSeconds, mode));
        }
        final double baseline = (first.outcome().eventsPerSecond() + last.outcome().eventsPerSecond()) / 2;

        final Map<String, Object> section = new LinkedHashMap<>();
        section.put("events", events);
        section.put("keys", keys);
        section.put("baseline_first_events_per_s", Report.round(first.outcome().eventsPerSecond()));
        section.put("baseline_last_events_per_s", Report.round(last.outcome().eventsPerSecond()));
        section.put("baseline_records_written_per_event", Report.round((double) first.written() / events));
        section.put("baseline_bytes_written_per_event", Report.round((double) first.bytes() / events));
        final List<Map<String, Object>> rows = new ArrayList<>();
        double before = 0;
        final List<Rung> rungs = rungs(mode.reorderDelay());
        for (int i = 0; i < measured.size(); i++) {
            final Rung rung = rungs.get(i);
            final Measured m = measured.get(i);
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("adds", rung.adds());
            row.put("reorder_delay_ms", rung.shape().reorderDelay().toMillis());
            row.put("windows", rung.shape().windows());
            row.put("shape", rung.shape().describe());
            row.put("drained", m.outcome().drained());
            row.put("events_per_s", Report.round(m.outcome().eventsPerSecond()));
            row.put("micros_per_event", Report.round(m.microsPerEvent()));
            row.put("micros_added", Report.round(m.microsPerEvent() - before));
            row.put("ratio", Report.round(m.outcome().eventsPerSecond() / baseline));
            row.put("records_written_per_event", Report.round((double) m.written() / events));
            row.put("bytes_written_per_event", Report.round((double) m.bytes() / events));
            final Map<String, Object> byTopic = new LinkedHashMap<>();
            m.bytesByTopic().entrySet().stream().filter(e -> e.getValue() > 0).sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(e -> byTopic.put(e.getKey(), Report.round((double) e.getValue() / events)));
            row.put("bytes_written_per_event_by_topic", byTopic);
            System.err.printf("  rung %d bytes per event by topic: %s%n", i + 1, byTopic);
            rows.add(row);
            if (rung.adds().startsWith("+") || i == 0) {
                before = m.microsPerEvent(); // the variants after the ladder compare with its last rung
            }
            report.compare("stages", rung.adds() + ": events/s", m.outcome().eventsPerSecond(), baseline, "/s", "—");
            report.compare("stages", rung.adds() + ": records written to Kafka per event", (double) m.written() / events,
                    (double) first.written() / events, "", "—");
            report.compare("stages", rung.adds() + ": bytes written to Kafka per event", (double) m.bytes() / events,
                    (double) first.bytes() / events, " B", "—");
        }
        section.put("rungs", rows);
        section.put("writes_only_events_per_s", Report.round(writes.outcome().eventsPerSecond()));
        section.put("writes_only_ratio", Report.round(writes.outcome().eventsPerSecond() / baseline));
        section.put("writes_only_records_written_per_event", Report.round((double) writes.written() / events));
        section.put("writes_only_bytes_written_per_event", Report.round((double) writes.bytes() / events));
        report.compare("stages", "Tally's writes alone, no Tally code (WritesOnly: 4 records per event): events/s", writes.outcome().eventsPerSecond(), baseline, "/s", "—");
        report.compare("stages", "Tally's writes alone: records written to Kafka per event", (double) writes.written() / events,
                (double) first.written() / events, "", "—");
        report.compare("stages", "Tally's writes alone: bytes written to Kafka per event", (double) writes.bytes() / events,
                (double) first.bytes() / events, " B", "—");
        report.section("stages", section);
        report.note("stages", "baseline events/s, first and last run (their mean is each rung's baseline)",
                "—", Report.format(first.outcome().eventsPerSecond()) + " / " + Report.format(last.outcome().eventsPerSecond()),
                "—", "—");

        final List<String> labels = new ArrayList<>(List.of("baseline"));
        final List<Double> micros = new ArrayList<>(List.of(1e6 / baseline));
        for (int i = 0; i < measured.size(); i++) {
            labels.add("rung " + (i + 1));
            micros.add(measured.get(i).microsPerEvent());
        }
        Plots.bars(report.dir().resolve("stages.png"), "Time per event, stage by stage (" + events + " events, "
                + keys + " keys; rungs in results.md)", "microseconds per event (1 / events per second)", labels,
                Map.of("time per event", micros));
    }

    /** Runs one app and counts what it wrote: every topic's end offsets before and after. */
    private static Measured measure(final Drain drain, final Supplier<Drain.Outcome> run) {
        try {
            final long before = drain.endOffsetSum();
            final Map<String, Long> bytesBefore = drain.logBytes();
            final Drain.Outcome outcome = run.get();
            final Map<String, Long> written = new HashMap<>(drain.logBytes());
            bytesBefore.forEach((topic, b) -> written.merge(topic, -b, Long::sum));
            return new Measured(outcome, drain.endOffsetSum() - before, written);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the topics' end offsets", e);
        }
    }
}
