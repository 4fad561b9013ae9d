package dev.tally.launcher;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigException;
import dev.tally.config.ConfigFile;
import dev.tally.config.Env;
import dev.tally.config.KafkaSettings;
import dev.tally.gateway.GatewayApp;
import dev.tally.gateway.GatewayConfig;
import dev.tally.gateway.Source;
import dev.tally.http.Metrics;
import dev.tally.notifier.NotifierApp;
import dev.tally.notifier.NotifierConfig;
import dev.tally.notifier.NotifierEndpoint;
import dev.tally.processor.ProcessorApp;
import dev.tally.processor.ProcessorConfig;
import dev.tally.processor.ProcessorReset;
import dev.tally.query.CountsService;
import dev.tally.query.QueryApp;
import dev.tally.schemas.Topics;

/** The {@code tally} command: run the whole pipeline, or one part of it. */
// scope INHERIT: every subcommand gets --help and --version too.
@Command(name = "tally", mixinStandardHelpOptions = true, version = "tally 0.1.0", scope = CommandLine.ScopeType.INHERIT,
        description = "Webhooks in, exact windowed counts out.",
        footer = {"", "Examples:",
                "  tally up                          the pipeline on an embedded broker",
                "  tally send --payload '{\"plan\":\"pro\"}'   post one signed event to it",
                "  tally up --help                   the options of one command"},
        subcommands = {Tally.Up.class, Tally.Gateway.class, Tally.Processor.class, Tally.Notifier.class, Tally.Broker.class, Tally.Reset.class,
                Send.class, LoopbackCluster.class})
public final class Tally {

    /**
     * Set by whatever starts Tally as a child process (the loopback cluster, tests) to its own pid:
     * this process stops, through its shutdown hooks, when that one is gone — even SIGKILLed.
     */
    static final String EXIT_WITH_PID = "TALLY_EXIT_WITH_PID";
    /** How long a shutdown may take once that process is gone; then the JVM halts. */
    private static final Duration PARENT_GONE_GRACE = Duration.ofSeconds(20);

    public static void main(final String[] args) {
        exitWithParent(System.getenv(EXIT_WITH_PID));
        final CommandLine cli = new CommandLine(new Tally());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigException) {
                cmd.getErr().println("tally: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        System.exit(cli.execute(args));
    }

    private static void exitWithParent(final String pid) {
        if (pid == null || pid.isBlank()) {
            return;
        }
        final var parent = ProcessHandle.of(Long.parseLong(pid.strip()));
        if (parent.isEmpty()) {
            System.err.println("tally: process " + pid + " (" + EXIT_WITH_PID + ") is gone; exiting");
            System.exit(1);
        }
        parent.get().onExit().thenRun(() -> {
            System.err.println("tally: process " + pid + " (" + EXIT_WITH_PID + ") exited; shutting down");
            // A shutdown that cannot finish (the last broker of a quorum that lost its majority) must
            // not keep the process, and its ports, alive.
            final Thread halt = new Thread(() -> {
                try {
                    Thread.sleep(PARENT_GONE_GRACE.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                Runtime.getRuntime().halt(1);
            }, "tally-halt");
            halt.setDaemon(true);
            halt.start();
            System.exit(1);
        });
    }

    /** Options every command shares. */
    static class Common {
        @Option(names = {"-c", "--config"}, description = "Config file (env TALLY_CONFIG; default: ${DEFAULT-VALUE}).",
                defaultValue = "${env:TALLY_CONFIG:-tally.yaml}")
        Path config;

        Map<String, String> env() {
            return System.getenv();
        }

        ConfigFile file() {
            return ConfigFile.load(config);
        }
    }

    @Command(name = "up", description = "Run broker (unless KAFKA_BOOTSTRAP_SERVERS is set), gateway, processor and query API, "
            + "and the notifier when notify.sinks are configured.",
            footer = {"", "Examples:",
                    "  tally up                       embedded broker, data in ./data, ./tally.yaml",
                    "  tally up -c my.yaml --data-dir /var/lib/tally",
                    "  KAFKA_BOOTSTRAP_SERVERS=kafka:9092 tally up   an existing cluster"})
    static final class Up extends Common implements Callable<Integer> {

        @Option(names = "--data-dir", description = "Where the embedded broker and the state stores keep data "
                + "(env TALLY_DATA_DIR; default: ${DEFAULT-VALUE}).", defaultValue = "${env:TALLY_DATA_DIR:-data}")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            final ConfigFile file = file();
            final Map<String, String> env = env();
            final Map<String, String> stateEnv = new HashMap<>(env);
            stateEnv.putIfAbsent("TALLY_STATE_DIR", dataDir.resolve("state").toString());
            final GatewayConfig gatewayConfig = GatewayConfig.from(file, env);
            final ProcessorConfig processorConfig = ProcessorConfig.from(file, stateEnv);
            final NotifierConfig notifierConfig = NotifierConfig.from(file, env, processorConfig.notifyRoutes());
            Source.all(gatewayConfig, env); // fail on a missing secret or query token before starting anything
            QueryApp.checkAccess(processorConfig, env);
            KafkaSettings kafka = KafkaSettings.from(file, env);
            EmbeddedKafkaBroker broker = null;
            if (!kafka.hasBootstrapServers()) {
                broker = EmbeddedKafkaBroker.start(new EmbeddedKafkaBroker.Settings(dataDir, "127.0.0.1",
                        Env.port(env, "TALLY_BROKER_PORT", null, 9092),
                        Env.port(env, "TALLY_BROKER_CONTROLLER_PORT", null, 9093)));
                kafka = kafka.withBootstrapServers(broker.bootstrapServers());
            }
            final Pipeline pipeline;
            try {
                pipeline = Pipeline.start(broker, gatewayConfig.withKafka(kafka), processorConfig.withKafka(kafka),
                        notifierConfig.withKafka(kafka), env);
                pipeline.reloadGatewayOnChange(config);
            } catch (RuntimeException e) {
                if (broker != null) {
                    broker.close();
                }
                throw e;
            }
            final CountDownLatch stopped = closeOnShutdown(pipeline);
            if (pipeline.awaitRunning()) {   // false: stopped (Ctrl-C) while starting, nothing to report
                System.out.println(Banner.text(pipeline, env, config));
            }
            stopped.await();
            return 0;
        }
    }

    @Command(name = "gateway", description = "Run the ingest gateway against KAFKA_BOOTSTRAP_SERVERS.",
            footer = {"", "Examples:",
                    "  KAFKA_BOOTSTRAP_SERVERS=kafka:9092 tally gateway -c tally.yaml",
                    "  TALLY_GATEWAY_PORT=18080 tally gateway    a second gateway"})
    static final class Gateway extends Common implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            final GatewayConfig config = GatewayConfig.from(file(), env());
            requireCluster(config.kafka());
            final GatewayApp gateway = new GatewayApp(config, env(), Clock.systemUTC()).start().reloadOnChange(this.config);
            awaitShutdown(gateway);
            return 0;
        }
    }

    @Command(name = "processor", description = "Run the stream processor and its query API against KAFKA_BOOTSTRAP_SERVERS, "
            + "and the notifier when notify.sinks are configured.",
            footer = {"", "Examples:",
                    "  KAFKA_BOOTSTRAP_SERVERS=kafka:9092 tally processor -c tally.yaml",
                    "  TALLY_QUERY_PORT=18081 TALLY_STATE_DIR=data/p2 tally processor"})
    static final class Processor extends Common implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            final ConfigFile file = file();
            final ProcessorConfig config = ProcessorConfig.from(file, env());
            final NotifierConfig notifierConfig = NotifierConfig.from(file, env(), config.notifyRoutes());
            QueryApp.checkAccess(config, env());
            requireCluster(config.kafka());
            final ProcessorApp processor = new ProcessorApp(config).start();
            final QueryApp query = new QueryApp(config, new CountsService(processor.streams(), config),
                    Clock.systemUTC()).start();
            if (notifierConfig.enabled()) {
                final NotifierApp notifier = new NotifierApp(notifierConfig, query.meterRegistry(), Clock.systemUTC()).start();
                awaitShutdown(notifier, query, processor);
            } else {
                awaitShutdown(query, processor);
            }
            return 0;
        }
    }

    @Command(name = "notifier", mixinStandardHelpOptions = true,
            description = "Deliver the alerts of counters' thresholds to the sinks under notify.sinks (Standard Webhooks, Slack, "
                    + "Discord), against KAFKA_BOOTSTRAP_SERVERS. Instances with the same notify.group_id share the work. "
                    + "Serves GET /metrics and /healthz on notify.port (TALLY_NOTIFY_PORT, default 8082).")
    static final class Notifier extends Common implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            final ConfigFile file = file();
            final NotifierConfig config = NotifierConfig.from(file, env(), ProcessorConfig.from(file, env()).notifyRoutes());
            requireCluster(config.kafka());
            if (!config.enabled()) {
                throw new ConfigException(file.origin() + ": no sinks under notify.sinks; the notifier has nothing to deliver to");
            }
            final Metrics metrics = Metrics.create("notifier");
            final NotifierApp notifier = new NotifierApp(config, metrics.registry(), Clock.systemUTC()).start();
            final NotifierEndpoint endpoint = new NotifierEndpoint(config, metrics).start();
            System.out.println("notifier delivering to " + config.sinks().stream().map(s -> s.name()).toList()
                    + "; metrics at http://" + config.host() + ":" + endpoint.port() + "/metrics");
            awaitShutdown(notifier, endpoint);
            return 0;
        }
    }

    @Command(name = "broker", description = "Run only a Kafka broker from the Maven artifacts: a single node, "
            + "or one node of a cluster (--node-id, --voters, --cluster-id).",
            footer = {"", "Examples:",
                    "  tally broker --data-dir data  a single node on 9092",
                    "  tally broker --node-id 2 --port 29092 --controller-port 29093 \\",
                    "      --voters 1@127.0.0.1:19093,2@127.0.0.1:29093,3@127.0.0.1:39093 \\",
                    "      --cluster-id <id>"})
    static final class Broker implements Callable<Integer> {
        @Option(names = "--data-dir", defaultValue = "${env:TALLY_DATA_DIR:-data}", description = "Data directory (default: ${DEFAULT-VALUE}).")
        Path dataDir;
        @Option(names = "--port", defaultValue = "9092", description = "Client port (default: ${DEFAULT-VALUE}).")
        int port;
        @Option(names = "--controller-port", defaultValue = "9093", description = "KRaft controller port (default: ${DEFAULT-VALUE}).")
        int controllerPort;
        @Option(names = "--node-id", defaultValue = "1", description = "This node's id (default: ${DEFAULT-VALUE}).")
        int nodeId;
        @Option(names = "--voters", description = "The controller quorum of a cluster, such as 1@127.0.0.1:19093,2@127.0.0.1:29093,...")
        String voters;
        @Option(names = "--cluster-id", description = "The id every node of a cluster is formatted with.")
        String clusterId;

        @Override
        public Integer call() throws Exception {
            final EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(new EmbeddedKafkaBroker.Settings(
                    dataDir, "127.0.0.1", port, controllerPort, nodeId, voters, clusterId));
            System.out.println("Kafka broker at " + broker.bootstrapServers() + " (data in " + dataDir + ")");
            awaitShutdown(broker);
            return 0;
        }
    }

    @Command(name = "reset", description = "Make the processor rebuild every count from webhooks.raw on its next start: "
            + "deletes its consumer group, internal topics and local state. Stop the processors first.",
            footer = {"", "Examples:",
                    "  tally reset                    the embedded broker's data in ./data",
                    "  KAFKA_BOOTSTRAP_SERVERS=kafka:9092 tally reset -c tally.yaml"})
    static final class Reset extends Common implements Callable<Integer> {

        @Option(names = "--data-dir", description = "With no KAFKA_BOOTSTRAP_SERVERS: the embedded broker's data directory "
                + "(env TALLY_DATA_DIR; default: ${DEFAULT-VALUE}).", defaultValue = "${env:TALLY_DATA_DIR:-data}")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            final Map<String, String> env = new HashMap<>(env());
            env.putIfAbsent("TALLY_STATE_DIR", dataDir.resolve("state").toString());
            ProcessorConfig config = ProcessorConfig.from(file(), env);
            EmbeddedKafkaBroker broker = null;
            if (!config.kafka().hasBootstrapServers()) {
                broker = EmbeddedKafkaBroker.start(new EmbeddedKafkaBroker.Settings(dataDir, "127.0.0.1",
                        Env.port(env, "TALLY_BROKER_PORT", null, 9092), Env.port(env, "TALLY_BROKER_CONTROLLER_PORT", null, 9093)));
                config = config.withKafka(config.kafka().withBootstrapServers(broker.bootstrapServers()));
            }
            try {
                final ProcessorReset.Result result = ProcessorReset.reset(config);
                System.out.println("Reset processor '" + config.applicationId() + "': consumer group "
                        + (result.groupDeleted() ? "deleted" : "not found") + "; internal topics deleted: "
                        + result.topicsDeleted() + "; local state " + (result.localStateDeleted() ? "deleted" : "not found")
                        + ". The next start rebuilds every count from " + Topics.RAW.name() + ".");
                return 0;
            } finally {
                if (broker != null) {
                    broker.close();
                }
            }
        }
    }

    private static void requireCluster(final KafkaSettings kafka) {
        if (!kafka.hasBootstrapServers()) {
            throw new ConfigException("set KAFKA_BOOTSTRAP_SERVERS (or kafka.bootstrap_servers in the config file); "
                    + "'tally up' starts an embedded broker instead");
        }
    }

    /** Blocks until the JVM is asked to stop, then closes {@code parts} in order. */
    static void awaitShutdown(final AutoCloseable... parts) throws InterruptedException {
        closeOnShutdown(parts).await();
    }

    /** Closes {@code parts} in order when the JVM is asked to stop; the latch opens once they are closed. */
    static CountDownLatch closeOnShutdown(final AutoCloseable... parts) {
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (AutoCloseable part : parts) {
                try {
                    part.close();
                } catch (Exception e) {
                    System.err.println("error while stopping " + part + ": " + e);
                }
            }
            stopped.countDown();
        }, "tally-shutdown"));
        return stopped;
    }

    static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);
}
