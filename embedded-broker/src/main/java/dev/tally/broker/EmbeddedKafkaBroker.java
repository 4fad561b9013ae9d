package dev.tally.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker in KRaft mode (broker and controller in one process), started from the Apache
 * Kafka Maven artifacts: alone, Tally's default when no bootstrap servers are configured and the
 * broker of the integration tests; or one node of a multi-node cluster ({@link Settings#voters}),
 * each node in its own JVM, as {@code tally cluster} runs it.
 *
 * <p>The data directory is formatted on first start and reused afterwards, so topics, offsets and
 * the processor's changelogs survive a restart.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final Settings settings;
    private final KafkaRaftServer server;

    /**
     * @param dataDir        where the broker keeps its logs and metadata
     * @param host           the address to bind and advertise
     * @param port           the client port; 0 picks a free one
     * @param controllerPort the KRaft controller port; 0 picks a free one
     * @param nodeId         this node's id
     * @param voters         the controller quorum ({@code 1@host:port,2@host:port,…}); null for a single node
     * @param clusterId      the cluster id every node is formatted with; null for a random one (single node)
     */
    public record Settings(Path dataDir, String host, int port, int controllerPort, int nodeId, String voters,
                           String clusterId) {

        /** A single-node cluster. */
        public Settings(final Path dataDir, final String host, final int port, final int controllerPort) {
            this(dataDir, host, port, controllerPort, 1, null, null);
        }

        public static Settings onFreePorts(final Path dataDir) {
            return new Settings(dataDir, "127.0.0.1", 0, 0);
        }

        /** How many nodes the cluster has, by its quorum. */
        int clusterSize() {
            return voters == null ? 1 : voters.split(",").length;
        }
    }

    private EmbeddedKafkaBroker(final Settings settings, final KafkaRaftServer server) {
        this.settings = settings;
        this.server = server;
    }

    /** Formats the data directory if needed, starts the broker and waits until it answers clients. */
    public static EmbeddedKafkaBroker start(final Settings requested) {
        final Settings settings = new Settings(requested.dataDir().toAbsolutePath(), requested.host(),
                requested.port() == 0 ? freePort(requested.host()) : requested.port(),
                requested.controllerPort() == 0 ? freePort(requested.host()) : requested.controllerPort(),
                requested.nodeId(), requested.voters(), requested.clusterId());
        final Path logDir = settings.dataDir().resolve("kafka");
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create broker data directory " + logDir, e);
        }
        final KafkaConfig config = KafkaConfig.fromProps(brokerProperties(settings, logDir), false);
        format(settings, logDir);
        final KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        final EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(settings, server);
        try {
            broker.awaitReady(Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        LOG.info("embedded Kafka broker ready at {} (data in {})", broker.bootstrapServers(), logDir);
        return broker;
    }

    public String bootstrapServers() {
        return settings.host() + ":" + settings.port();
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    private static Properties brokerProperties(final Settings s, final Path logDir) {
        final Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(s.nodeId()));
        p.put("controller.quorum.voters", s.voters() != null ? s.voters() : s.nodeId() + "@" + s.host() + ":" + s.controllerPort());
        p.put("listeners", "PLAINTEXT://" + s.host() + ":" + s.port() + "," + CONTROLLER_LISTENER + "://" + s.host() + ":" + s.controllerPort());
        p.put("advertised.listeners", "PLAINTEXT://" + s.host() + ":" + s.port());
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        // Internal topics: one replica on a single node; three, two in sync, on a cluster.
        final String replicas = String.valueOf(Math.min(3, s.clusterSize()));
        final String minIsr = String.valueOf(Math.min(2, s.clusterSize()));
        p.put("offsets.topic.replication.factor", replicas);
        p.put("transaction.state.log.replication.factor", replicas);
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("share.coordinator.state.topic.replication.factor", replicas);
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        p.put("default.replication.factor", replicas);
        p.put("min.insync.replicas", minIsr);
        p.put("num.partitions", "3");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Tally creates its topics explicitly; a misspelt name must fail, not create a topic.
        p.put("auto.create.topics.enable", "false");
        p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        return p;
    }

    private static void format(final Settings s, final Path logDir) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return; // formatted by an earlier start: keep its cluster id and data
        }
        final Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(s.nodeId())
                .setClusterId(s.clusterId() != null ? s.clusterId() : Uuid.randomUuid().toString())
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setControllerListenerName(CONTROLLER_LISTENER);
        try {
            formatter.run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the broker's data directory " + logDir + ": " + e.getMessage(), e);
        }
    }

    private void awaitReady(final Duration timeout) {
        final Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        final Instant deadline = Instant.now().plus(timeout);
        try (Admin admin = Admin.create(p)) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    if (Instant.now().isAfter(deadline)) {
                        throw new IllegalStateException("embedded broker did not become ready within " + timeout, e);
                    }
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("embedded broker did not become ready within " + timeout);
                }
            }
        }
    }

    private static int freePort(final String host) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + host, e);
        }
    }
}
