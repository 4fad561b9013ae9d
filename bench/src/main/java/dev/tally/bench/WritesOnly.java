package dev.tally.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;

import dev.tally.schemas.TopicSettings;
import dev.tally.schemas.Topics;

/**
 * Tally's Kafka writes without Tally: per raw event the records the processing benchmark's topology writes
 * one per event, each an opaque byte array of about that topic's size, with exactly_once_v2 and the
 * baseline's settings. No parsing, no state store, no counting: what a Kafka Streams application that must
 * write these records cannot go faster than on this machine.
 *
 * <p>Per event: the envelope as read (as {@code events.ordered}), a row-changelog-sized record (160 bytes),
 * a {@code counts.updates}-sized one (320 bytes) and a {@code counts.final}-sized one (120 bytes; with the
 * benchmark's sparse keys nearly every event opens a 1m window of its key, so there is about one final per
 * event). Tally's writes that come in batches (its dedupe changelog, its repartition topic, its history
 * stores) are left out, and so is the repartition hop: four records, fewer and smaller than Tally's, so the
 * figure is an upper bound for Tally's.
 */
final class WritesOnly {

    static final String ORDERED = "bench-writes-ordered";
    static final String ROWS = "bench-writes-rows";
    static final String UPDATES = "bench-writes-updates";
    static final String FINALS = "bench-writes-finals";

    private WritesOnly() {
    }

    static Topology topology() {
        final StreamsBuilder builder = new StreamsBuilder();
        final KStream<String, byte[]> raw = builder.stream(Topics.RAW.name(), Consumed.with(Serdes.String(), Serdes.ByteArray()));
        raw.to(ORDERED, Produced.with(Serdes.String(), Serdes.ByteArray()));
        raw.mapValues(v -> new byte[160]).to(ROWS, Produced.with(Serdes.String(), Serdes.ByteArray()));
        raw.mapValues(v -> new byte[320]).to(UPDATES, Produced.with(Serdes.String(), Serdes.ByteArray()));
        raw.mapValues(v -> new byte[120]).to(FINALS, Produced.with(Serdes.String(), Serdes.ByteArray()));
        return builder.build();
    }

    /** Creates the output topics (as many partitions as the raw topic) before the app starts. */
    static void createTopics(final String bootstrap) {
        final Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            final TopicSettings s = TopicSettings.EMBEDDED;
            admin.createTopics(List.of(ORDERED, ROWS, UPDATES, FINALS).stream()
                    .map(name -> new NewTopic(name, s.partitions(), s.replicationFactor())).toList()).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create the writes-only topics", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static Properties properties(final String bootstrap, final String applicationId, final Path stateDir) {
        return Apps.baselineProperties(bootstrap, applicationId, stateDir);
    }
}
