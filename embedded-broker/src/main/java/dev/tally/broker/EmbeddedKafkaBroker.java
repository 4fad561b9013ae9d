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
 * A real single-node Kafka broker in KRaft mode (broker and controller in one process), started from
 * the Apache Kafka Maven artifacts. Tally's default when no bootstrap servers are configured, and
 * the broker of the integration tests.
 *
 * <p>The data directory is formatted on first start and reused afterwards, so topics, offsets and
 * the processor's changelogs survive a restart.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final int NODE_ID = 1;

    private final Settings settings;
    private final KafkaRaftServer server;

    /**
     * @param dataDir        where the broker keeps its logs and metadata
     * @param host           the address to bind and advertise
     * @param port           the client port; 0 picks a free one
     * @param controllerPort the KRaft controller port; 0 picks a free one
     */
    public record Settings(Path dataDir, String host, int port, int controllerPort) {

        public static Settings onFreePorts(final Path dataDir) {
            return new Settings(dataDir, "127.0.0.1", 0, 0);
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
                requested.controllerPort() == 0 ? freePort(requested.host()) : requested.controllerPort());
        final Path logDir = settings.dataDir().resolve("kafka");
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create broker data directory " + logDir, e);
        }
        final KafkaConfig config = KafkaConfig.fromProps(brokerProperties(settings, logDir), false);
        format(logDir);
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
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + s.host() + ":" + s.controllerPort());
        p.put("listeners", "PLAINTEXT://" + s.host() + ":" + s.port() + "," + CONTROLLER_LISTENER + "://" + s.host() + ":" + s.controllerPort());
        p.put("advertised.listeners", "PLAINTEXT://" + s.host() + ":" + s.port());
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        // One node: every internal topic has a single replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("num.partitions", "3");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Tally creates its topics explicitly; a misspelt name must fail, not create a topic.
        p.put("auto.create.topics.enable", "false");
        p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        return p;
    }

    private static void format(final Path logDir) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return; // formatted by an earlier start: keep its cluster id and data
        }
        final Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
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

    /** Runs the broker alone: {@code EmbeddedKafkaBroker <dataDir> [port] [controllerPort]}. */
    public static void main(final String[] args) throws InterruptedException {
        final Path dir = Path.of(args.length > 0 ? args[0] : "data");
        final int port = args.length > 1 ? Integer.parseInt(args[1]) : 9092;
        final int controllerPort = args.length > 2 ? Integer.parseInt(args[2]) : 9093;
        final EmbeddedKafkaBroker broker = start(new Settings(dir, "127.0.0.1", port, controllerPort));
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "broker-shutdown"));
        System.out.println("Kafka broker at " + broker.bootstrapServers());
        Thread.currentThread().join();
    }
}
