package dev.tally.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.WindowStore;

import dev.tally.processor.ProcessorApp;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.TopicAdmin;
import dev.tally.schemas.Topics;

/**
 * The stream applications measured, each run alone in a child JVM so its RSS is its own: Tally's
 * processor; the baseline, plain Kafka Streams
 * {@code groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(1 min)).count()} over the same raw topic
 * (key {@code source:event_id}), with exactly_once_v2, the same commit interval and as many stream
 * threads as Tally runs by default; and the peer, Tally's outputs glued by hand in the DSL
 * ({@link PeerTopology}), from the same config as Tally's run; and Tally's writes alone ({@link WritesOnly}).
 */
final class Apps {

    enum Kind { TALLY, BASELINE, PEER, WRITES_ONLY }

    static final String BASELINE_STORE = "baseline-counts";
    /** System property: a directory where each child JVM writes a JFR recording (profile settings) of its whole run, and its log (instead of the work dir), kept after the run. */
    static final String JFR_DIR = "tally.bench.jfr";
    /** System property: further JVM options of each measured child JVM, space-separated (a profiler agent, say). */
    static final String CHILD_JVM_OPTIONS = "tally.bench.child-jvm-options";

    private Apps() {
    }

    static Topology baselineTopology() {
        final StreamsBuilder builder = new StreamsBuilder();
        builder.stream(Topics.RAW.name(), Consumed.with(Serdes.String(), Serdes.ByteArray()))
                .groupByKey(Grouped.with("baseline-group", Serdes.String(), Serdes.ByteArray()))
                .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMinutes(1)))
                .count(Materialized.<String, Long, WindowStore<Bytes, byte[]>>as(BASELINE_STORE));
        return builder.build();
    }

    static Properties baselineProperties(final String bootstrap, final String applicationId, final Path stateDir) {
        final Properties p = new Properties();
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, ProcessorConfig.DEFAULT_STREAM_THREADS);
        return p;
    }

    /** A started app: its RSS and how to stop it. */
    interface Running extends AutoCloseable {
        long rss();

        /** CPU time the app's JVM has used so far (user + system), or -1 when not known. */
        long cpuNanos();

        @Override
        void close();
    }

    /** Starts one app: the measured apps outside this JVM (RSS their own), else inside it (for smoke runs). */
    static Running start(final boolean fork, final Kind kind, final String bootstrap, final String applicationId,
                         final Path stateDir, final Rig.Shape shape, final String heap, final Path log) {
        if (fork) {
            final Process child = startChild(kind, bootstrap, applicationId, stateDir, shape, heap, log);
            return new Running() {
                @Override
                public long rss() {
                    return Machine.rssBytes(Path.of("/proc", String.valueOf(child.pid()), "status"));
                }

                @Override
                public long cpuNanos() {
                    return child.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
                }

                @Override
                public void close() {
                    stop(child, Duration.ofSeconds(45));
                }
            };
        }
        final AutoCloseable app = startHere(kind, bootstrap, applicationId, stateDir, shape);
        return new Running() {
            @Override
            public long rss() {
                return Machine.rssBytes(Path.of("/proc/self/status"));
            }

            @Override
            public long cpuNanos() {
                return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
            }

            @Override
            public void close() {
                try {
                    app.close();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot stop " + applicationId, e);
                }
            }
        };
    }

    private static AutoCloseable startHere(final Kind kind, final String bootstrap, final String applicationId,
                                           final Path stateDir, final Rig.Shape shape) {
        if (kind == Kind.TALLY) {
            return new ProcessorApp(Rig.processorConfig(bootstrap, applicationId, shape, stateDir)).start();
        }
        final KafkaStreams streams = switch (kind) {
            case PEER -> peer(Rig.processorConfig(bootstrap, applicationId, shape, stateDir));
            case WRITES_ONLY -> {
                WritesOnly.createTopics(bootstrap);
                yield new KafkaStreams(WritesOnly.topology(), WritesOnly.properties(bootstrap, applicationId, stateDir));
            }
            default -> new KafkaStreams(baselineTopology(), baselineProperties(bootstrap, applicationId, stateDir));
        };
        streams.start();
        return () -> streams.close(Duration.ofSeconds(30));
    }

    /** The peer over Tally's config for the same run, its output topics created first as Tally creates its own. */
    private static KafkaStreams peer(final ProcessorConfig config) {
        TopicAdmin.ensureTopics(config.kafka().clientProperties(), config.kafka().topics(),
                PeerTopology.outputs(config.counters().get(0)), 30_000);
        return new KafkaStreams(PeerTopology.build(config), PeerTopology.properties(config));
    }

    /** Child JVM entry: runs one app until the parent ends this process. */
    static void runChild(final Kind kind, final String bootstrap, final String applicationId, final Path stateDir,
                         final Rig.Shape shape) throws InterruptedException {
        final CountDownLatch stop = new CountDownLatch(1);
        final AutoCloseable app = startHere(kind, bootstrap, applicationId, stateDir, shape);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                app.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
            stop.countDown();
        }, "bench-child-stop"));
        System.out.println("started " + kind);
        stop.await(2, TimeUnit.HOURS);
    }

    /** Starts {@code kind} in a child JVM with {@code heap} (such as "1g"). */
    private static Process startChild(final Kind kind, final String bootstrap, final String applicationId, final Path stateDir,
                              final Rig.Shape shape, final String heap, final Path log) {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heap));
        final String jfrDir = System.getProperty(JFR_DIR);
        final Path output = jfrDir == null ? log : Path.of(jfrDir, log.getFileName().toString());
        if (jfrDir != null) {
            command.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
                    + Path.of(jfrDir, applicationId + ".jfr").toAbsolutePath());
        }
        final String options = System.getProperty(CHILD_JVM_OPTIONS, "").strip();
        if (!options.isEmpty()) {
            command.addAll(List.of(options.split("\\s+")));
        }
        final String logback = System.getProperty("logback.configurationFile");
        if (logback != null) {
            command.add("-Dlogback.configurationFile=" + logback); // a diagnosing run's log levels reach the apps too
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                Bench.class.getName(), "child", kind.name(), bootstrap, applicationId, stateDir.toString()));
        command.addAll(shape.args());
        try {
            Files.createDirectories(output.toAbsolutePath().getParent());
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start child JVM", e);
        }
    }

    /** Ends a child JVM as SIGTERM does (its shutdown hooks run), forcibly when it has not exited within {@code grace}. */
    static void stop(final Process child, final Duration grace) {
        child.destroy();
        try {
            if (!child.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            child.destroyForcibly();
        }
    }
}
