package dev.tally.query;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

import dev.tally.config.Durations;
import dev.tally.processor.Counter;
import dev.tally.processor.CounterState;
import dev.tally.processor.ProcessorConfig;
import dev.tally.query.CountsService.Local;
import dev.tally.schemas.Json;

/**
 * The top N keys of a counter in one window, over every instance: each instance ranks the keys of
 * the partitions it holds active (a key lives in exactly one partition, so the merged ranking is
 * exact; each partition's ranking is kept as counts change, see {@link CounterState#top}), this one
 * asks every other instance once ({@link Forwarder#HOP_HEADER}) and merges. The
 * answer lists the partitions it covers; if any partition is missing (an instance down, a store
 * restoring) the answer is a 503, never a ranking with keys silently left out.
 */
final class TopQueries {

    /** One ranked key. */
    record Entry(String key, long count, boolean isFinal) {
    }

    private final ProcessorConfig config;
    private final CountsService counts;
    private final Forwarder forwarder;

    TopQueries(final ProcessorConfig config, final CountsService counts, final Forwarder forwarder) {
        this.config = config;
        this.counts = counts;
        this.forwarder = forwarder;
    }

    Map<String, Object> top(final Context ctx, final Counter counter, final Duration size, final Instant at, final int n) {
        final Instant start = Instant.ofEpochMilli(at.toEpochMilli() - Math.floorMod(at.toEpochMilli(), size.toMillis()));
        final TreeSet<Integer> covered = new TreeSet<>();
        final List<Entry> entries = new ArrayList<>(local(counter, size, start, n, covered));
        if (!Forwarder.isForwarded(ctx)) {
            for (HostInfo other : otherInstances()) {
                final Optional<HttpResponse<String>> answer = forwarder.get(other, KeyRouter.pathAndQuery(ctx),
                        ctx.header("Authorization"));
                if (answer.isEmpty() || answer.get().statusCode() != 200) {
                    throw KeyRouter.unavailable("The processor instance at " + other.host() + ":" + other.port()
                            + " did not answer, so the ranking would be incomplete. Retry shortly.");
                }
                merge(answer.get().body(), entries, covered);
            }
            final int partitions = partitions(counter);
            if (covered.size() < partitions) {
                throw KeyRouter.unavailable("Partitions " + missing(covered, partitions) + " of counter '" + counter.name()
                        + "' are being restored or moved, so the ranking would be incomplete. Retry shortly.");
            }
        }
        entries.sort(Comparator.comparingLong(Entry::count).reversed().thenComparing(Entry::key));
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("counter", counter.name());
        body.put("window", Durations.format(size));
        body.put("start", start);
        body.put("end", start.plus(size));
        body.put("partitions", covered);
        body.put("top", entries.subList(0, Math.min(n, entries.size())).stream()
                .map(e -> Map.of("key", e.key(), "count", e.count(), "final", e.isFinal())).toList());
        return body;
    }

    /** The ranking of the partitions active here; each partition that could be read is added to {@code covered}. */
    private List<Entry> local(final Counter counter, final Duration size, final Instant start, final int n,
                              final TreeSet<Integer> covered) {
        final List<Entry> entries = new ArrayList<>();
        for (int partition : activePartitions(counter)) {
            try {
                final Local at = new Local(partition, false, 0);
                final boolean isFinal = counts.isFinal(counter, start.plus(size), at);
                for (CounterState.KeyCount top : counts.top(counter, size, start, n, at)) {
                    entries.add(new Entry(top.key(), top.count(), isFinal));
                }
                covered.add(partition);
            } catch (InvalidStateStoreException e) {
                // restoring or migrating: left out of "partitions", so the merged answer is a 503
            }
        }
        return entries;
    }

    private static void merge(final String json, final List<Entry> entries, final TreeSet<Integer> covered) {
        try {
            final JsonNode body = Json.MAPPER.readTree(json);
            body.get("partitions").forEach(p -> covered.add(p.asInt()));
            body.get("top").forEach(e -> entries.add(new Entry(e.get("key").asText(), e.get("count").asLong(),
                    e.get("final").asBoolean())));
        } catch (java.io.IOException | NullPointerException e) {
            throw KeyRouter.unavailable("Another processor instance answered the ranking with an unreadable body.");
        }
    }

    private List<Integer> activePartitions(final Counter counter) {
        final String topic = counts.state().repartitionTopic(counter);
        final List<Integer> partitions = new ArrayList<>();
        for (ThreadMetadata thread : counts.streams().metadataForLocalThreads()) {
            for (TaskMetadata task : thread.activeTasks()) {
                for (TopicPartition tp : task.topicPartitions()) {
                    if (tp.topic().equals(topic)) {
                        partitions.add(tp.partition());
                    }
                }
            }
        }
        return partitions;
    }

    private List<HostInfo> otherInstances() {
        return counts.streams().metadataForAllStreamsClients().stream()
                .map(StreamsMetadata::hostInfo)
                .filter(h -> !h.equals(counts.self()))
                .distinct()
                .toList();
    }

    /** How many partitions the counter's stores have: the assignment's view, at least the configured count. */
    private int partitions(final Counter counter) {
        final String topic = counts.state().repartitionTopic(counter);
        int max = config.kafka().topics().partitions();
        for (StreamsMetadata m : counts.streams().metadataForAllStreamsClients()) {
            for (TopicPartition tp : m.topicPartitions()) {
                if (tp.topic().equals(topic)) {
                    max = Math.max(max, tp.partition() + 1);
                }
            }
            for (TopicPartition tp : m.standbyTopicPartitions()) {
                if (tp.topic().equals(topic)) {
                    max = Math.max(max, tp.partition() + 1);
                }
            }
        }
        return max;
    }

    private static List<Integer> missing(final TreeSet<Integer> covered, final int partitions) {
        final List<Integer> missing = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            if (!covered.contains(p)) {
                missing.add(p);
            }
        }
        return missing;
    }
}
