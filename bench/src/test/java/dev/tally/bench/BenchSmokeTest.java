package dev.tally.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine;

/**
 * Every benchmark at tiny sizes, so the harness cannot rot: it must run to the end and write sane
 * numbers and files. Never a timing threshold: this machine's speed is not under test.
 */
class BenchSmokeTest {

    @TempDir
    Path dir;

    @Test
    void shouldRunEveryBenchmarkAtSmokeSizeAndWriteResults() throws Exception {
        final Report report = runAtSmokeSize("all", Bench.ALL);

        final Path results = dir.resolve("results");
        assertThat(results.resolve("results.md")).content().contains("| ingest |", "| processing |", "| freshness |",
                "| query |", "| scale |", "against the peer");
        for (String png : List.of("ingest-latency.png", "ingest-throughput.png", "processing.png", "freshness.png", "query.png",
                "scale-keys-throughput.png", "scale-keys-rss.png", "scale-rate.png", "scale-rate-rss.png")) {
            assertThat(Files.size(results.resolve(png))).as(png).isGreaterThan(1000);
        }
        final JsonNode json = new ObjectMapper().readTree(results.resolve("results.json").toFile());
        assertThat(json.at("/run/machine/cores").asInt()).isPositive();
        assertThat(json.at("/ingest/gateway_max_per_s").asDouble()).isPositive();
        assertThat(json.at("/ingest/ceiling_max_per_s").asDouble()).isPositive();
        assertThat(json.at("/ingest/gateway_profile/samples").asInt()).isPositive();
        assertThat(json.at("/processing/tally/drained").asBoolean()).isTrue();
        assertThat(json.at("/processing/baseline/drained").asBoolean()).isTrue();
        assertThat(json.at("/processing/baseline_last/drained").asBoolean()).isTrue();
        assertThat(json.at("/processing/tally/events_per_s").asDouble()).isPositive();
        assertThat(json.at("/processing/tally/input_events_per_s").asDouble()).isPositive();
        assertThat(json.at("/processing/baseline/input_events_per_s").asDouble()).isPositive();
        assertThat(json.at("/processing/tally/peak_rss_mb").asLong()).isPositive();
        assertThat(json.at("/processing/peer/drained").asBoolean()).as("the peer ran and drained").isTrue();
        assertThat(json.at("/processing/peer/events_per_s").asDouble()).isPositive();
        assertThat(json.at("/processing/peer/counted_every_event").asBoolean())
                .as("the peer's totals sum to the distinct events (%s)", json.at("/processing/peer/events_counted")).isTrue();
        assertThat(json.at("/processing/tally_vs_peer").asDouble()).isPositive();
        assertThat(json.at("/processing/peer/events_in_windows_1m").asLong()).as("what the peer's 1m windows hold was read")
                .isBetween(0L, json.at("/processing/peer/events_counted").asLong());
        for (String variant : List.of("tally_unordered", "tally_two_counters", ProcessingBench.TALLY_LAST)) {
            assertThat(json.at("/processing/" + variant + "/drained").asBoolean()).as(variant).isTrue();
            assertThat(json.at("/processing/" + variant + "/ratio").asDouble()).as(variant).isPositive();
        }
        assertThat(json.at("/freshness/reorder_delay 0s/probes").asLong()).isPositive();
        assertThat(json.at("/freshness/reorder_delay 0s/visible_p99_ms").asDouble()).isPositive();
        assertThat(json.at("/query/max/local/ok").asLong()).isPositive();
        assertThat(json.at("/query/max/routed/ok").asLong()).isPositive();
        assertThat(json.at("/query/max/top/ok").asLong()).isPositive();
        assertThat(json.at("/scale/keys").size()).isEqualTo(2);
        assertThat(json.at("/scale/rate").size()).isEqualTo(2);
        assertThat(report.rows()).allSatisfy(r -> assertThat(r.tally()).isNotBlank());
    }

    @Test
    void shouldRunTheStageLadderAtSmokeSizeAndWriteResults() throws Exception {
        runAtSmokeSize("stages", Bench.EXTRA);

        final Path results = dir.resolve("results").resolve("stages");
        assertThat(Files.size(results.resolve("stages.png"))).isGreaterThan(1000);
        final JsonNode json = new ObjectMapper().readTree(results.resolve("results.json").toFile());
        assertThat(json.at("/stages/baseline_first_events_per_s").asDouble()).isPositive();
        assertThat(json.at("/stages/baseline_last_events_per_s").asDouble()).isPositive();
        final JsonNode rungs = json.at("/stages/rungs");
        assertThat(rungs.size()).isEqualTo(StagesBench.rungs(Duration.ZERO).size());
        for (JsonNode rung : rungs) {
            assertThat(rung.at("/drained").asBoolean()).as(rung.at("/adds").asText()).isTrue();
            assertThat(rung.at("/events_per_s").asDouble()).as(rung.at("/adds").asText()).isPositive();
        }
        assertThat(rungs.get(0).at("/windows").size()).as("the first rung counts nothing").isZero();
        assertThat(rungs.get(3).at("/windows").size()).as("the fourth rung is the processing benchmark's counter").isEqualTo(3);
        assertThat(rungs.get(4).at("/shape").asText()).as("then without events.ordered").contains("no events.ordered");
        assertThat(rungs.get(5).at("/shape").asText()).as("then with a second counter").contains("by_type");
        // Not how many: at smoke size a run counts as drained after 1 s of stable offsets, before the idle
        // advance (2 s) releases the reorder buffer's last events, so the tail of the input may not be counted.
        for (JsonNode rung : rungs) {
            assertThat(rung.at("/records_written_per_event").asDouble()).as(rung.at("/adds").asText()).isPositive();
        }
        assertThat(json.at("/stages/baseline_records_written_per_event").asDouble()).isPositive();
        assertThat(json.at("/stages/writes_only_events_per_s").asDouble()).as("Tally's writes alone ran").isPositive();
        assertThat(json.at("/stages/writes_only_records_written_per_event").asDouble())
                .as("four records per event (events.ordered, a row, an update, a final)").isGreaterThanOrEqualTo(4.0);
    }

    /** Runs {@code run} as {@code tally-bench <which> --smoke} would, with results and scratch space under the test's dir. */
    private Report runAtSmokeSize(final String which, final List<String> run) throws Exception {
        final Bench bench = new Bench();
        new CommandLine(bench).parseArgs(which, "--smoke", "--out", dir.resolve("results").toString(),
                "--work", dir.resolve("work").toString());
        bench.applySmokeSizes();
        return bench.run(run);
    }
}
