package dev.tally.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.schemas.Json;

/**
 * A plain {@code tally up} with the sample config, as a newcomer runs it (its own JVM, the embedded
 * broker, the production logging): it starts without a WARN or ERROR line, and stopping it, also
 * while it is still starting, prints no stack trace; started again on its own data after a clean
 * stop, it takes up its stores as they were, without a WARN or ERROR line.
 */
class QuietStartIT {

    private static final Path SAMPLE_CONFIG = Path.of("..", "tally.yaml");
    private static final Duration START = Duration.ofMinutes(3);
    private static final int EVENTS = 100;

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

    /**
     * Under exactly-once a task whose stores are on disk without a committed changelog offset is taken
     * for one that crashed (TaskCorruptedException, an ERROR): its stores are wiped and restored. A
     * clean stop leaves none such, also of the stores nothing was written to yet (a counter's history).
     */
    @Test
    void shouldRestartOnItsOwnStateWithoutWarningsAfterACleanStop() throws Exception {
        final int gatewayPort = freePort();
        final int queryPort = freePort();
        final Map<String, String> env = new HashMap<>(env());
        env.put("TALLY_GATEWAY_PORT", String.valueOf(gatewayPort));
        env.put("TALLY_QUERY_PORT", String.valueOf(queryPort));
        final String total = "http://127.0.0.1:" + queryPort + "/v1/counters/events_by_type/total?key="
                + URLEncoder.encode("demo|order.created", StandardCharsets.UTF_8);
        try (LoopbackCluster.Cluster processes = LoopbackCluster.Cluster.unstarted(dir, Map.of())) {
            processes.startTally("up", env, "up", "-c", SAMPLE_CONFIG.toString());
            await(processes, "up", "Tally is up.");
            processes.startTally("send", env, "send", "-c", SAMPLE_CONFIG.toString(), "--url", "http://127.0.0.1:" + gatewayPort,
                    "--count", String.valueOf(EVENTS), "--rate", "500", "--keys", "3", "--concurrency", "8", "--no-progress");
            await(processes, "send", "sent " + EVENTS + " deliveries");
            awaitTotal(total, EVENTS);
            processes.stop("up", Duration.ofSeconds(60));
            assertThat(Files.readAllLines(processes.log("up"))).as("the log of the first run").anyMatch(line -> line.contains("stopped"));

            processes.startTally("again", env, "up", "-c", SAMPLE_CONFIG.toString());
            await(processes, "again", "Tally is up.");
            awaitTotal(total, EVENTS);
            processes.stop("again", Duration.ofSeconds(60));

            assertThat(Files.readAllLines(processes.log("again"))).as("the log of tally up started again on its data")
                    .anyMatch(line -> line.contains("stopped"))
                    .noneMatch(line -> line.contains("TaskCorrupted"))
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

    /** Waits until the query API serves {@code expected} at {@code url}, which asks for a total. */
    private static void awaitTotal(final String url, final long expected) throws IOException, InterruptedException {
        final HttpClient http = HttpClient.newHttpClient();
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            final HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString());
            last = answer.statusCode() + " " + answer.body();
            if (answer.statusCode() == 200 && Json.MAPPER.readTree(answer.body()).get("total").asLong() == expected) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("total not " + expected + " within 30 s; last answer: " + last);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
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
