package dev.tally.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import dev.tally.schemas.Json;
import dev.tally.schemas.Topics;

/**
 * Follows a stream application by its committed offsets: how much of the raw topic it has
 * consumed over time, and when every topic it reads (the raw topic and its own repartition topics)
 * is committed up to the end and stays so. Tally's repartition topics never stop growing (its
 * reorder stages send a progress mark per tick, also when idle), so "up to the end" means up to the
 * end seen one poll (500 ms) before, and a run is drained when, after the raw topic has stayed
 * committed for {@code stable}, everything written to the repartition topics until then is
 * committed too; its time is the start of that unbroken stretch.
 */
final class Drain implements AutoCloseable {

    /**
     * {@code series}: [seconds since start, raw records committed, RSS bytes]. {@code caughtUpSeconds}:
     * when every input topic was first committed to its end, with {@code countedAtCatchUp} events
     * through every stage then (the raw topic committed, and each repartition topic to its end of the
     * poll before); for Tally the
     * events still in the reorder buffer wait for the reorder delay and idle advance after that.
     */
    record Outcome(boolean drained, double lastBeforeCommitSeconds, double firstCommitSeconds, double drainedSeconds, long committedRaw,
                   long peakRssBytes, List<double[]> series, double caughtUpSeconds, long countedAtCatchUp,
                   long appCpuNanos, long brokerCpuNanos) {

        /** This outcome with the CPU time the app's JVM (from its start) and the broker (over the run) used, -1 for not known. */
        Outcome withCpu(final long app, final long broker) {
            return new Outcome(drained, lastBeforeCommitSeconds, firstCommitSeconds, drainedSeconds, committedRaw, peakRssBytes, series,
                    caughtUpSeconds, countedAtCatchUp, app, broker);
        }

        /** Microseconds of CPU per event the app's JVM used, startup and JIT compilation included; -1 when not known. */
        double appCpuMicrosPerEvent() {
            return appCpuNanos < 0 || committedRaw == 0 ? -1 : appCpuNanos / 1e3 / committedRaw;
        }

        /** Microseconds of CPU per event the broker used while the app ran; -1 when not known. */
        double brokerCpuMicrosPerEvent() {
            return brokerCpuNanos < 0 || committedRaw == 0 ? -1 : brokerCpuNanos / 1e3 / committedRaw;
        }

        /** Events per second between the first commit and the end (startup left out). */
        double eventsPerSecond() {
            final double s = drainedSeconds - startSeconds();
            return s <= 0 ? 0 : committedRaw / s;
        }

        /**
         * Events counted per second between the first commit and the first catch-up: the rate while
         * input lasts, without the fixed wait for the last reorder delay at the end of the input.
         */
        double inputEventsPerSecond() {
            final double s = caughtUpSeconds - startSeconds();
            return caughtUpSeconds < 0 || s <= 0 ? 0 : countedAtCatchUp / s;
        }

        /**
         * When processing started: the first sample with a commit, or, when that same sample already
         * shows the input caught up (a small input done within one 500 ms poll), the sample before it,
         * so the rate is a lower bound rather than a division by zero.
         */
        private double startSeconds() {
            return caughtUpSeconds == firstCommitSeconds ? lastBeforeCommitSeconds : firstCommitSeconds;
        }

        /** Seconds from the first catch-up to drained: the tail after the input ended. */
        double tailSeconds() {
            return caughtUpSeconds < 0 ? 0 : drainedSeconds - caughtUpSeconds;
        }
    }

    private final Admin admin;
    private final long stableNanos;

    /** Drained: committed to the end and still so 4 s later. */
    Drain(final String bootstrap) {
        this(bootstrap, Duration.ofSeconds(4));
    }

    /** Drained: committed to the end, still so {@code stable} later, and what was written until then committed too. */
    Drain(final String bootstrap, final Duration stable) {
        admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
        stableNanos = stable.toNanos();
    }

    /** Polls every 500 ms until drained or {@code timeoutSeconds}; {@code rss} is sampled along. */
    Outcome await(final String applicationId, final long timeoutSeconds, final LongSupplier rss, final String label) {
        final long start = System.nanoTime();
        final long deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        final List<double[]> series = new ArrayList<>();
        double streakStart = -1;
        double firstCommit = -1;
        double lastBeforeCommit = 0;
        double caughtUp = -1;
        long countedAtCatchUp = 0;
        long peakRss = 0;
        long committedRaw = 0;
        long nextPrint = start + TimeUnit.SECONDS.toNanos(10);
        Map<TopicPartition, Long> previousEnds = Map.of();
        Map<TopicPartition, Long> finalEnds = null;
        long rawDoneSince = -1;
        while (System.nanoTime() < deadline) {
            final long now = System.nanoTime();
            final double t = (now - start) / 1e9;
            final long r = rss.getAsLong();
            peakRss = Math.max(peakRss, r);
            try {
                final Map<TopicPartition, Long> committed = committed(applicationId);
                final Map<TopicPartition, Long> ends = ends(applicationId);
                committedRaw = committed.entrySet().stream().filter(e -> e.getKey().topic().equals(Topics.RAW.name()))
                        .mapToLong(Map.Entry::getValue).sum();
                final long rawEnd = ends.entrySet().stream().filter(e -> e.getKey().topic().equals(Topics.RAW.name()))
                        .mapToLong(Map.Entry::getValue).sum();
                series.add(new double[] {t, committedRaw, r});
                if (firstCommit < 0 && committedRaw > 0) {
                    firstCommit = t;
                } else if (firstCommit < 0) {
                    lastBeforeCommit = t;
                }
                final boolean rawDone = rawEnd > 0 && committedRaw >= rawEnd;
                rawDoneSince = rawDone ? (rawDoneSince < 0 ? now : rawDoneSince) : -1;
                // Tally's reorder stages write progress marks to the repartition topics on every tick, for
                // ever: "committed to the end" is judged against the ends of the poll before.
                final boolean done = rawDone && committedUpTo(committed, previousEnds);
                if (done && caughtUp < 0) {
                    caughtUp = t;
                    // Every repartition topic is committed to where it ended one poll before: the raw topic's
                    // events are through every stage. (Its offsets cannot count them: Tally's carry batches.)
                    countedAtCatchUp = committedRaw;
                }
                if (done && streakStart < 0) {
                    streakStart = t;
                } else if (!done) {
                    streakStart = -1;
                }
                // Once the raw topic has stayed committed for `stable`, the reorder buffers have released
                // their last events (after idle_advance): what was written by then must be committed.
                if (finalEnds == null && rawDoneSince > 0 && now - rawDoneSince >= stableNanos) {
                    finalEnds = ends;
                }
                if (finalEnds != null && streakStart >= 0 && committedUpTo(committed, finalEnds)) {
                    return new Outcome(true, lastBeforeCommit, firstCommit, streakStart, committedRaw, peakRss, series,
                            caughtUp, countedAtCatchUp, -1, -1);
                }
                previousEnds = ends;
                if (now >= nextPrint) {
                    nextPrint = now + TimeUnit.SECONDS.toNanos(10);
                    System.err.printf("  [%s] %.0fs: %,d of %,d raw records committed, RSS %d MiB%n", label, t, committedRaw,
                            rawEnd, r >> 20);
                }
            } catch (Exception e) {
                // the group or a topic not there yet: try again
            }
            Broker.sleep(500);
        }
        return new Outcome(false, lastBeforeCommit, firstCommit, (System.nanoTime() - start) / 1e9, committedRaw, peakRss, series,
                caughtUp, countedAtCatchUp, -1, -1);
    }

    /** Whether every partition of {@code ends} is committed up to its offset there (partitions never written count as done). */
    private static boolean committedUpTo(final Map<TopicPartition, Long> committed, final Map<TopicPartition, Long> ends) {
        return !ends.isEmpty() && ends.entrySet().stream()
                .allMatch(e -> e.getValue() == 0 || committed.getOrDefault(e.getKey(), -1L) >= e.getValue());
    }

    /**
     * What went to {@code events.late}: how many, and for each how far the counter's time was ahead
     * of the event's ({@code stream_time - event_time}), and how many found the counter's time past
     * {@code newestEventTime}, the newest event time in the input (a clock moved by the wall clock).
     */
    record Late(long count, double medianAheadSeconds, double maxAheadSeconds, long pastNewestInput) {
        static final Late NONE = new Late(0, 0, 0, 0);
    }

    Late late(final String bootstrap, final long newestEventTime) {
        final String topic = Topics.LATE.name();
        if (!exists(topic)) {
            return Late.NONE;
        }
        final Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        final List<Long> ahead = new ArrayList<>();
        long pastNewest = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    final var late = Json.MAPPER.readTree(r.value());
                    final long stream = Instant.parse(late.get("stream_time").asText()).toEpochMilli();
                    ahead.add(stream - Instant.parse(late.get("event_time").asText()).toEpochMilli());
                    if (stream > newestEventTime) {
                        pastNewest++;
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (ahead.isEmpty()) {
            return Late.NONE;
        }
        ahead.sort(null);
        return new Late(ahead.size(), ahead.get(ahead.size() / 2) / 1e3, ahead.get(ahead.size() - 1) / 1e3, pastNewest);
    }

    private boolean exists(final String topic) {
        try {
            return admin.listTopics().names().get(5, TimeUnit.SECONDS).contains(topic);
        } catch (Exception e) {
            return false;
        }
    }

    /** Records of the raw topic committed by {@code applicationId}. */
    long committedRaw(final String applicationId) throws Exception {
        return committed(applicationId).entrySet().stream().filter(e -> e.getKey().topic().equals(Topics.RAW.name()))
                .mapToLong(Map.Entry::getValue).sum();
    }

    private Map<TopicPartition, Long> committed(final String applicationId) throws Exception {
        final Map<TopicPartition, OffsetAndMetadata> offsets =
                admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
        final Map<TopicPartition, Long> out = new HashMap<>();
        offsets.forEach((tp, o) -> out.put(tp, o == null ? 0 : o.offset()));
        return out;
    }

    /**
     * The sum of the end offsets of every partition of every topic (Kafka's own internal topics aside):
     * read before and after an app's run, what it wrote, records and transaction markers alike.
     */
    long endOffsetSum() throws Exception {
        return ends(name -> true).values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * The bytes in the broker's logs by topic (Kafka's own internal topics aside):
     * read before and after an app's run, what it wrote, as the broker stores it (batches, headers,
     * compression). Nothing is cleaned within a run: the active segments hold it all.
     */
    Map<String, Long> logBytes() throws Exception {
        final Set<String> topics = admin.listTopics().names().get(5, TimeUnit.SECONDS);
        final Set<Integer> brokers = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).stream().map(Node::id).collect(Collectors.toSet());
        final Map<String, Long> bytes = new HashMap<>();
        for (var logDirs : admin.describeLogDirs(brokers).allDescriptions().get(5, TimeUnit.SECONDS).values()) {
            for (var dir : logDirs.values()) {
                for (var replica : dir.replicaInfos().entrySet()) {
                    if (topics.contains(replica.getKey().topic())) {
                        bytes.merge(replica.getKey().topic(), replica.getValue().size(), Long::sum);
                    }
                }
            }
        }
        return bytes;
    }

    private Map<TopicPartition, Long> ends(final String applicationId) throws Exception {
        return ends(n -> n.equals(Topics.RAW.name()) || n.startsWith(applicationId + "-") && n.endsWith("-repartition"));
    }

    private Map<TopicPartition, Long> ends(final Predicate<String> topicFilter) throws Exception {
        final Set<String> topics = admin.listTopics().names().get(5, TimeUnit.SECONDS).stream()
                .filter(topicFilter)
                .collect(Collectors.toSet());
        final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS).values()) {
            d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
        }
        final Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    @Override
    public void close() {
        admin.close();
    }
}
