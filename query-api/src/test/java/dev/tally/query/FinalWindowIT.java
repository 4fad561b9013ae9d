package dev.tally.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.schemas.Json;

/**
 * {@code "final"} in query answers on a real broker, processor and two query instances: a window is
 * not final while it can still change, becomes final once its end + grace has passed on the counter
 * stage's clock (here by the wall clock alone: no events arrive after it), and a late event for it
 * changes nothing — neither its count nor its final flag. Both instances, the owner and the one that
 * forwards, say the same.
 */
class FinalWindowIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration SIZE = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    void shouldMarkAWindowFinalOnlyOnceItClosedAndKeepItsCountAfterALateEvent() throws Exception {
        try (QueryCluster cluster = new QueryCluster(dir, 2, """
                    - name: by_source
                      group_by: [source]
                      windows: [5s]
                      grace: 0s
                """)) {
            for (QueryCluster.Instance instance : cluster.instances) {
                QueryCluster.await(WAIT, "instance ready", () -> cluster.get(instance.url() + "/readyz").statusCode() == 200);
            }
            // Events stamped now, in the window containing now. (Stamped in the future, they would move
            // the counter stage's clock ahead of the wall clock, and close the window early by design.)
            final Instant now = Instant.now();
            final Instant start = Instant.ofEpochMilli(now.toEpochMilli() / SIZE.toMillis() * SIZE.toMillis());
            final Instant end = start.plus(SIZE);
            cluster.send(List.of(QueryCluster.event("f1", "a", now),
                    QueryCluster.event("f2", "b", now),
                    QueryCluster.event("f3", "c", now)));

            for (QueryCluster.Instance instance : cluster.instances) {
                final String url = instance.url() + "/v1/counters/by_source/counts?key=shop&window=5s&from="
                        + start.toEpochMilli() + "&to=" + end.toEpochMilli();
                QueryCluster.await(WAIT, "window counted 3 and final at " + instance.url(), () -> {
                    final long asked = System.currentTimeMillis();
                    final JsonNode window = onlyWindow(cluster, url);
                    if (window == null) {
                        return false;
                    }
                    if (asked < end.toEpochMilli()) {
                        assertThat(window.get("final").asBoolean()).as("final before the window's end: " + window).isFalse();
                    }
                    return window.get("count").asLong() == 3 && window.get("final").asBoolean();
                });
            }

            cluster.send(List.of(QueryCluster.event("f4", "d", now)));
            QueryCluster.await(WAIT, "the late event counted in the total", () -> cluster.get(cluster.instances.get(0).url()
                    + "/v1/counters/by_source/total?key=shop").body().contains("\"total\":4}"));
            for (QueryCluster.Instance instance : cluster.instances) {
                final JsonNode window = onlyWindow(cluster, instance.url() + "/v1/counters/by_source/counts?key=shop&window=5s&from="
                        + start.toEpochMilli() + "&to=" + end.toEpochMilli());
                assertThat(window).as("the closed window at " + instance.url()).isNotNull();
                assertThat(window.get("count").asLong()).isEqualTo(3);
                assertThat(window.get("final").asBoolean()).isTrue();
            }
        }
    }

    /** The one window of the answer, or null when the answer has none yet (or is a 503). */
    private static JsonNode onlyWindow(final QueryCluster cluster, final String url) {
        final var response = cluster.get(url);
        if (response.statusCode() != 200) {
            assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(503);
            return null;
        }
        try {
            final JsonNode windows = Json.MAPPER.readTree(response.body()).get("windows");
            assertThat(windows.size()).as(response.body()).isLessThanOrEqualTo(1);
            return windows.isEmpty() ? null : windows.get(0);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
