package dev.tally.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;

/**
 * Two and three processor instances on one real broker: every key is answered correctly by every
 * instance (forwarded to its owner, or fanned out for the top N), and through a restart of one
 * instance every answer is correct or an explicit 503 with Retry-After.
 */
class QueryRoutingIT {

    private static final Instant T0 = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.HOURS);
    private static final int KEYS = 12;

    @TempDir
    Path dir;

    /** What was sent: total per customer, and count per customer per 1m window start. */
    private final Map<String, Long> totals = new TreeMap<>();
    private final Map<String, Map<Instant, Long>> minutes = new TreeMap<>();

    @Test
    void shouldAnswerEveryKeyFromEveryInstanceOfTwo() throws Exception {
        try (QueryCluster cluster = new QueryCluster(dir, 2)) {
            sendAndAwait(cluster, 300);
            for (QueryCluster.Instance instance : cluster.instances) {
                assertEveryKeyCorrect(cluster, instance.url());
            }
        }
    }

    @Test
    void shouldAnswerEveryKeyFromEveryInstanceOfThreeThroughARestart() throws Exception {
        try (QueryCluster cluster = new QueryCluster(dir, 3)) {
            sendAndAwait(cluster, 300);
            for (QueryCluster.Instance instance : cluster.instances) {
                assertEveryKeyCorrect(cluster, instance.url());
            }
            QueryCluster.await(Duration.ofSeconds(60), "standby stores caught up",
                    () -> cluster.instances.stream().allMatch(QueryCluster.Instance::caughtUp));

            final QueryCluster.Instance restarted = cluster.instances.get(1);
            final List<String> survivors = List.of(cluster.instances.get(0).url(), cluster.instances.get(2).url());
            final Thread restart = new Thread(() -> {
                restarted.stop();
                restarted.start();
            });
            restart.start();
            int answered = 0;
            int unavailable = 0;
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (int i = 0; i < 2000 && System.nanoTime() < deadline && (restart.isAlive() || i < 50); i++) {
                final String customer = "c" + (i % KEYS);
                final HttpResponse<String> r = cluster.get(survivors.get(i % 2) + "/v1/counters/by_customer/total?key=" + customer);
                if (r.statusCode() == 503) {
                    assertThat(r.headers().firstValue("Retry-After")).isPresent();
                    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
                    unavailable++;
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    assertThat(Json.MAPPER.readTree(r.body()).get("total").asLong()).as(customer + " " + r.headers().map()).isEqualTo(totals.get(customer));
                    answered++;
                }
            }
            restart.join(120_000);
            assertThat(answered).isPositive();
            System.out.printf("during the restart: %d correct answers, %d explicit 503%n", answered, unavailable);
            QueryCluster.await(Duration.ofSeconds(90), "every instance ranks every partition after the restart",
                    () -> cluster.instances.stream().allMatch(in -> cluster.get(in.url() + "/v1/counters/by_customer/top?window=1h")
                            .statusCode() == 200));
            for (QueryCluster.Instance instance : cluster.instances) {
                assertEveryKeyCorrect(cluster, instance.url());
            }
        }
    }

    private void sendAndAwait(final QueryCluster cluster, final int events) throws InterruptedException {
        final Random random = new Random(7);
        final List<Envelope> sent = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            final String customer = "c" + random.nextInt(KEYS);
            final Instant time = T0.plusSeconds(random.nextInt(600));
            sent.add(QueryCluster.event("e" + i, customer, time));
            totals.merge(customer, 1L, Long::sum);
            minutes.computeIfAbsent(customer, c -> new TreeMap<>()).merge(time.truncatedTo(ChronoUnit.MINUTES), 1L, Long::sum);
        }
        cluster.send(sent);
        final String url = cluster.instances.get(0).url();
        QueryCluster.await(Duration.ofSeconds(90), "every total counted", () -> totals.entrySet().stream().allMatch(e -> {
            final HttpResponse<String> r = cluster.get(url + "/v1/counters/by_customer/total?key=" + e.getKey());
            return r.statusCode() == 200 && r.body().contains("\"total\":" + e.getValue() + "}");
        }));
    }

    private void assertEveryKeyCorrect(final QueryCluster cluster, final String url) throws Exception {
        final String range = "&from=" + T0 + "&to=" + T0.plus(Duration.ofHours(1)).toEpochMilli();
        for (String customer : totals.keySet()) {
            final JsonNode total = json(cluster.get(url + "/v1/counters/by_customer/total?key=" + customer));
            assertThat(total.get("total").asLong()).as(url + " total " + customer).isEqualTo(totals.get(customer));

            final JsonNode counts = json(cluster.get(url + "/v1/counters/by_customer/counts?window=1m&key=" + customer + range));
            assertThat(windows(counts.get("windows"))).as(url + " 1m " + customer).isEqualTo(minutes.get(customer));
            assertThat(counts.get("windows").get(0).get("final").asBoolean()).isFalse();   // end + 2h grace is ahead
        }
        // Pages of 2 windows walk the same windows as one answer.
        final String customer = totals.keySet().iterator().next();
        final Map<Instant, Long> paged = new TreeMap<>();
        String cursor = "";
        do {
            final JsonNode page = json(cluster.get(url + "/v1/counters/by_customer/counts?window=1m&limit=2&key=" + customer
                    + range + (cursor.isEmpty() ? "" : "&cursor=" + cursor)));
            assertThat(page.get("windows").size()).isLessThanOrEqualTo(2);
            paged.putAll(windows(page.get("windows")));
            cursor = page.path("next_cursor").asText("");   // absent on the last page
        } while (!cursor.isEmpty());
        assertThat(paged).isEqualTo(minutes.get(customer));

        // Every window size of a key.
        final JsonNode all = json(cluster.get(url + "/v1/counters/by_customer/counts?window=all&key=" + customer + range));
        assertThat(all.get("windows").findValuesAsText("window")).containsOnly("1m", "1h");

        // All keys in one call.
        final StringBuilder keys = new StringBuilder();
        totals.keySet().forEach(k -> keys.append("&key=").append(k));
        final JsonNode batch = json(cluster.get(url + "/v1/counters/by_customer/batch?window=1m" + keys + range));
        assertThat(batch.get("results")).hasSize(totals.size());
        for (JsonNode result : batch.get("results")) {
            assertThat(windows(result.get("windows"))).as("batch " + result.get("key")).isEqualTo(minutes.get(result.get("key").asText()));
        }

        // The top 5 in the hour, fanned out and merged.
        final JsonNode top = json(cluster.get(url + "/v1/counters/by_customer/top?window=1h&n=5&at=" + T0.plusSeconds(30)));
        final List<String> expected = totals.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .limit(5).map(e -> e.getKey() + "=" + e.getValue()).toList();
        final List<String> actual = new ArrayList<>();
        top.get("top").forEach(e -> actual.add(e.get("key").asText() + "=" + e.get("count").asLong()));
        assertThat(actual).as(url + " top").isEqualTo(expected);
        assertThat(top.get("partitions")).hasSize(6);
    }

    private static Map<Instant, Long> windows(final JsonNode windows) {
        final Map<Instant, Long> result = new TreeMap<>();
        windows.forEach(w -> result.put(Instant.parse(w.get("start").asText()), w.get("count").asLong()));
        return result;
    }

    private static JsonNode json(final HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }
}
