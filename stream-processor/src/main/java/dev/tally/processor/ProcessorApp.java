package dev.tally.processor;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.processor.internals.DefaultKafkaClientSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.schemas.TopicAdmin;
import dev.tally.schemas.TopicSettings;
import dev.tally.schemas.Topics;

/** Runs {@link TallyTopology} with Kafka Streams: creates the topics, configures and starts it. */
public final class ProcessorApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessorApp.class);

    private final ProcessorConfig config;
    private final KafkaStreams streams;
    /** True once RUNNING; false when closed before that (stopped during start); failed on ERROR. */
    private final CompletableFuture<Boolean> running = new CompletableFuture<>();
    private volatile boolean closing;
    private final InputBacklog backlog = new InputBacklog();
    private final RefusedWrites refused = new RefusedWrites();

    public ProcessorApp(final ProcessorConfig config) {
        this.config = config;
        final Properties properties = streamsProperties(config);
        properties.put(RefusedWrites.CONFIG, refused);
        // The producer writes a record the broker refused before to the dead-letter topic instead (see DeadLetterHandler).
        this.streams = new KafkaStreams(TallyTopology.build(config, backlog), properties, new DefaultKafkaClientSupplier() {
            @Override
            public Producer<byte[], byte[]> getProducer(final Map<String, Object> producerConfig) {
                return new DivertingProducer(super.getProducer(producerConfig), refused);
            }
        });
        backlog.watch(streams);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.complete(true);
            } else if (closing && now == KafkaStreams.State.NOT_RUNNING) {
                running.complete(false);
            } else if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                running.completeExceptionally(new IllegalStateException("processor stopped: " + now));
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("stream thread failed; replacing it", e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    }

    static Properties streamsProperties(final ProcessorConfig config) {
        final Properties p = new Properties();
        p.putAll(config.kafka().clientProperties());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.kafka().topics().replicationFactor());
        p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, config.advertisedHost() + ":" + config.queryPort());
        // A warm copy of each store on another instance: queries are answered from it while the store moves.
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        // An unreadable record is written to the dead-letter topic with error headers, then skipped.
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.DEAD_LETTER.name());
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        // An output record the broker refuses goes to the dead-letter topic too; the thread keeps running.
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedMemoryRocksDB.class);
        p.put(BoundedMemoryRocksDB.TOTAL_BYTES, config.rocksdbMemoryBytes());
        return p;
    }

    /** Creates missing topics and starts processing; returns at once (see {@link #awaitRunning}). */
    public ProcessorApp start() {
        TopicAdmin.ensureTopics(config.kafka().clientProperties(), config.kafka().topics(), Topics.ALL, 30_000);
        final int rawPartitions = TopicAdmin.partitionCount(config.kafka().clientProperties(), Topics.RAW.name(), 30_000);
        if (rawPartitions != config.kafka().topics().partitions()) {
            // The counters' time waits for every partition of the raw topic: with the wrong count they would
            // wait for one that does not exist, or not wait for one that does.
            throw new IllegalStateException(Topics.RAW.name() + " has " + rawPartitions + " partitions, but kafka.topics.partitions is "
                    + config.kafka().topics().partitions() + "; set it to " + rawPartitions);
        }
        TopicAdmin.ensure(config.kafka().clientProperties(), repartitionTopics(config, rawPartitions), 30_000);
        streams.start();
        LOG.info("processor '{}' started with counters {}", config.applicationId(),
                config.counters().stream().map(Counter::name).toList());
        return this;
    }

    /**
     * The counting stages' repartition topics, as Kafka Streams would create them: as many partitions as
     * the raw topic, its internal topics' settings. Created before the start, they are in the first
     * assignment's metadata; created by the assignor, they change it, the threads join again and a
     * stateful task can move between them while it restores — with exactly-once, its new owner then finds
     * a store without committed offsets, takes it for corrupted and wipes it, logging loudly.
     */
    static List<NewTopic> repartitionTopics(final ProcessorConfig config, final int rawPartitions) {
        final TopicSettings settings = config.kafka().topics();
        final Map<String, String> configs = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.SEGMENT_BYTES_CONFIG, "52428800",
                TopicConfig.RETENTION_MS_CONFIG, "-1",
                TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "CreateTime",
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(settings.minInsyncReplicas()));
        return CountingStage.of(config.counters()).stream()
                .map(stage -> new NewTopic(stage.repartitionTopic(config.applicationId()), rawPartitions, settings.replicationFactor())
                        .configs(configs))
                .toList();
    }

    /**
     * Waits until Kafka Streams is RUNNING (restored and processing).
     *
     * @return true when it runs; false when it was {@link #close closed} first (stopped during start)
     * @throws IllegalStateException when it failed, or is not RUNNING within {@code timeout}
     */
    public boolean awaitRunning(final Duration timeout) throws InterruptedException {
        try {
            return running.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("processor not RUNNING within " + timeout + " (state " + streams.state() + ")", e);
        }
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** The output records the broker refused since start, and what became of them. */
    public RefusedWrites refusedWrites() {
        return refused;
    }

    public ProcessorConfig config() {
        return config;
    }

    public List<Counter> counters() {
        return config.counters();
    }

    @Override
    public void close() {
        closing = true;
        running.complete(false);   // whoever waits for the start stops waiting: it will not come
        // Leave the group, so a restarted processor gets its partitions at once instead of waiting
        // for this member's session to time out.
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        backlog.close();
    }
}
