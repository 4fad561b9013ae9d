package dev.tally.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.schemas.Json;

/**
 * {@code GET /v1/counters/{counter}/stream} on a real broker, processor and query API: a count
 * change reaches a subscribed client within a second of the query API showing it, the event data is
 * the update as a JSON object, and a client that reconnects with {@code Last-Event-ID} receives
 * exactly what it missed (or a {@code reset} when that id is no longer held).
 */
class StreamIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;

    @Test
    void shouldStreamACountChangeWithinASecondAndResumeFromLastEventId() throws Exception {
        final Instant t0 = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        try (QueryCluster cluster = new QueryCluster(dir, 1)) {
            final String url = cluster.instances.get(0).url();
            final String stream = url + "/v1/counters/by_customer/stream?key=live";
            QueryCluster.await(WAIT, "the query API is ready", () -> cluster.get(url + "/readyz").statusCode() == 200);

            final SseReader.Event first;
            final long changedNoEarlierThan;
            try (SseReader sse = SseReader.open(stream, null)) {
                assertThat(sse.status).isEqualTo(200);
                assertThat(sse.contentType).startsWith("text/event-stream");
                assertThat(sse.next(Duration.ofSeconds(5)).data()).isEqualTo("connected");

                cluster.send(List.of(QueryCluster.event("e1", "live", t0.plusSeconds(1))));
                changedNoEarlierThan = awaitTotal(cluster, url, "live", 1);
                first = sse.nextEvent(WAIT);
            }
            // The latency measured: from the start of the last total query that still answered the old
            // count (the store changed after that instant) to the SSE event's arrival. An upper bound.
            final Duration latency = Duration.ofNanos(first.receivedNanos() - changedNoEarlierThan);
            System.out.printf("count change to SSE event: at most %d ms%n", latency.toMillis());
            assertThat(latency).isLessThan(Duration.ofSeconds(1));
            assertThat(first.name()).isEqualTo("count");
            assertThat(first.id()).matches("\\d+-\\d+");
            final JsonNode data = Json.MAPPER.readTree(first.data());
            assertThat(data.isObject()).as("data is the key's counts as a JSON object, not a string: " + first.data()).isTrue();
            assertThat(data.get("counter").asText()).isEqualTo("by_customer");
            assertThat(data.get("key").asText()).isEqualTo("live");
            assertThat(data.get("total").asLong()).isEqualTo(1);
            assertThat(data.get("windows")).extracting(w -> w.get("window").asText()).containsExactly("1m", "1h");
            assertThat(data.get("windows")).extracting(w -> w.get("count").asLong()).containsExactly(1L, 1L);
            assertThat(data.get("windows").get(0).get("start").asText()).isEqualTo(t0.toString());

            // Disconnected: two more events for this key and one for another, then resume. The two may be
            // counted in one commit and so arrive as one update: the totals only grow, and end at 3.
            cluster.send(List.of(QueryCluster.event("e2", "live", t0.plusSeconds(2)),
                    QueryCluster.event("e3", "other", t0.plusSeconds(2)),
                    QueryCluster.event("e4", "live", t0.plusSeconds(3))));
            awaitTotal(cluster, url, "live", 3);
            awaitTotal(cluster, url, "other", 1);
            try (SseReader sse = SseReader.open(stream, first.id())) {
                final List<Long> totals = new ArrayList<>();
                while (totals.isEmpty() || totals.get(totals.size() - 1) < 3) {
                    final JsonNode update = Json.MAPPER.readTree(sse.nextEvent(Duration.ofSeconds(5)).data());
                    assertThat(update.get("key").asText()).isEqualTo("live");
                    totals.add(update.get("total").asLong());
                }
                assertThat(totals).isSorted().doesNotHaveDuplicates().endsWith(3L).hasSizeLessThanOrEqualTo(2);
                assertThat(sse.quietFor(Duration.ofMillis(500))).as("nothing replayed twice").isTrue();
            }

            // An id this instance no longer holds: a reset first, then the stream follows.
            try (SseReader sse = SseReader.open(stream, "0-999999999")) {
                assertThat(sse.nextEvent(Duration.ofSeconds(5)).name()).isEqualTo("reset");
                cluster.send(List.of(QueryCluster.event("e5", "live", t0.plusSeconds(4))));
                assertThat(Json.MAPPER.readTree(sse.nextEvent(WAIT).data()).get("total").asLong()).isEqualTo(4);
            }
        }
    }

    /** Polls the total until it is {@code expected}; returns the start of the last query that answered less. */
    private static long awaitTotal(final QueryCluster cluster, final String url, final String key, final long expected)
            throws InterruptedException {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        long lastOld = System.nanoTime();
        while (System.nanoTime() < deadline) {
            final long started = System.nanoTime();
            final HttpResponse<String> r = cluster.get(url + "/v1/counters/by_customer/total?key=" + key);
            if (r.statusCode() == 200 && r.body().contains("\"total\":" + expected + "}")) {
                return lastOld;
            }
            lastOld = started;
            Thread.sleep(5);   // polling interval of the condition
        }
        throw new AssertionError("total of " + key + " not " + expected + " within " + WAIT);
    }

}
