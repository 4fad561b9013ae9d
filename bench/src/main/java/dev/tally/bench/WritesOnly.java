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
import org.apache.kafka.streams.kstream.Repartitioned;

import dev.tally.schemas.TopicSettings;
import dev.tally.schemas.Topics;

/**
 * Tally's Kafka writes without Tally: per raw event the records the processing benchmark's topology writes
 * (stages, session 11: 5.27 records and 946 bytes per event with {@code events.ordered}), each an opaque
 * byte array of about that topic's size, one of them through a repartition topic that is read back, with
 * exactly_once_v2 and the baseline's settings. No parsing, no state store, no counting: what a Kafka
 * Streams application that must write these records cannot go faster than on this machine.
 *
 * <p>Per event: a dedupe-changelog-sized record (8 bytes) and the envelope as read (as {@code events.ordered})
 * before the repartition; the repartition record (60 bytes, as a {@code CountEvent}); after it, a
 * rows-changelog-sized record (160 bytes) and a {@code counts.updates}-sized one (400 bytes). Five records,
 * a little fewer and smaller than Tally's, so the figure is an upper bound for Tally's.
 */
final class WritesOnly {

    static final String DEDUPE = "bench-writes-dedupe";
    static final String ORDERED = "bench-writes-ordered";
    static final String ROWS = "bench-writes-rows";
    static final String UPDATES = "bench-writes-updates";

    private WritesOnly() {
    }

    static Topology topology() {
        final StreamsBuilder builder = new StreamsBuilder();
        final KStream<String, byte[]> raw = builder.stream(Topics.RAW.name(), Consumed.with(Serdes.String(), Serdes.ByteArray()));
        raw.mapValues(v -> new byte[8]).to(DEDUPE, Produced.with(Serdes.String(), Serdes.ByteArray()));
        raw.to(ORDERED, Produced.with(Serdes.String(), Serdes.ByteArray()));
        final KStream<String, byte[]> counted = raw.mapValues(v -> new byte[60])
                .repartition(Repartitioned.with(Serdes.String(), Serdes.ByteArray()).withName("writes-by-key"));
        counted.mapValues(v -> new byte[160]).to(ROWS, Produced.with(Serdes.String(), Serdes.ByteArray()));
        counted.mapValues(v -> new byte[400]).to(UPDATES, Produced.with(Serdes.String(), Serdes.ByteArray()));
        return builder.build();
    }

    /** Creates the output topics (as many partitions as the raw topic) before the app starts. */
    static void createTopics(final String bootstrap) {
        final Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            final TopicSettings s = TopicSettings.EMBEDDED;
            admin.createTopics(List.of(DEDUPE, ORDERED, ROWS, UPDATES).stream()
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
