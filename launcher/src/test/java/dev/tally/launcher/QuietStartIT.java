package dev.tally.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plain {@code tally up} with the sample config, as a newcomer runs it (its own JVM, the embedded
 * broker, the production logging): it starts without a WARN or ERROR line, and stopping it, also
 * while it is still starting, prints no stack trace.
 */
class QuietStartIT {

    private static final Path SAMPLE_CONFIG = Path.of("..", "tally.yaml");
    private static final Duration START = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    @Test
    void shouldStartWithoutWarningsAndStopWithoutStackTraces() throws Exception {
        try (LoopbackCluster.Cluster processes = LoopbackCluster.Cluster.unstarted(dir, Map.of())) {
            processes.startTally("up", env(), "up", "-c", SAMPLE_CONFIG.toString());
            await(processes, "up", "Tally is up.");
            // Rebalances settle and standby assignment (the old WARNs) happens in the seconds after RUNNING.
            Thread.sleep(10_000);
            processes.stop("up", Duration.ofSeconds(60));

            final List<String> log = Files.readAllLines(processes.log("up"));
            assertThat(log).as("the log of tally up").anyMatch(line -> line.contains("stopped"))
                    .noneMatch(QuietStartIT::loud);
        }
    }

    @Test
    void shouldStopWithoutAStackTraceWhileStarting() throws Exception {
        try (LoopbackCluster.Cluster processes = LoopbackCluster.Cluster.unstarted(dir, Map.of())) {
            processes.startTally("up", env(), "up", "-c", SAMPLE_CONFIG.toString());
            // Every part listens and the shutdown hook is in place; the processor is still joining its group.
            await(processes, "up", "gateway listening on");
            Thread.sleep(300);
            final boolean upAlready = Files.readString(processes.log("up")).contains("Tally is up.");
            processes.stop("up", Duration.ofSeconds(60));

            final List<String> log = Files.readAllLines(processes.log("up"));
            assumeFalse(upAlready, "the processor was RUNNING before the stop: nothing to show");
            assertThat(log).as("the log of tally up stopped while starting")
                    .anyMatch(line -> line.contains("stopping:"))
                    .noneMatch(line -> line.contains("Tally is up."))
                    .noneMatch(QuietStartIT::loud);
        }
    }

    private Map<String, String> env() {
        return Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "",   // blank: tally up starts its embedded broker, as on a fresh clone
                "TALLY_DATA_DIR", dir.resolve("data").toString(),
                "TALLY_BROKER_PORT", "0",
                "TALLY_BROKER_CONTROLLER_PORT", "0",
                "TALLY_GATEWAY_PORT", "0",
                "TALLY_QUERY_PORT", "0");
    }

    private static boolean loud(final String line) {
        return line.contains(" WARN ") || line.contains(" ERROR ") || line.startsWith("\tat ")
                || line.contains("Exception in thread") || line.matches("^[a-z.]+\\.[A-Za-z]*(Exception|Error)\\b.*");
    }

    private static void await(final LoopbackCluster.Cluster processes, final String name, final String text)
            throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(processes.log(name)) && Files.readString(processes.log(name)).contains(text)) {
                return;
            }
            assertThat(processes.running(name)).as(name + " exited; log:\n" + read(processes.log(name))).isTrue();
            Thread.sleep(100);
        }
        throw new AssertionError(name + " did not log '" + text + "' within " + START + "; log:\n" + read(processes.log(name)));
    }

    private static String read(final Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log) : "(no log)";
    }
}
