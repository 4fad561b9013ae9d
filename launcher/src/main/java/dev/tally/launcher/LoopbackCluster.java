package dev.tally.launcher;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.Uuid;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tally cluster}: the docker-compose topology as real processes on 127.0.0.1 — three Kafka
 * brokers (KRaft, each its own JVM), two gateways and two processors with their query APIs — with
 * the cluster's topic settings (replication 3, min.insync.replicas 2). Each process logs to
 * {@code <data-dir>/<name>.log}. Ctrl-C stops them all.
 */
@Command(name = "cluster", description = "Run a three-broker cluster, two gateways and two processors as processes on 127.0.0.1.",
        footer = {"", "Examples:",
                "  tally cluster                 brokers 19092/29092/39092, gateways 18080/28080",
                "                                and query APIs 18081/28081",
                "  tally cluster --data-dir /tmp/tally-cluster"})
public final class LoopbackCluster implements Callable<Integer> {

    static final int BROKERS = 3;
    static final String CONFIG = """
            # The loopback cluster's config: written by `tally cluster`.
            kafka:
              topics: {partitions: 6, replication_factor: 3, min_insync_replicas: 2}
            gateway:
              sources:
                demo:
                  scheme: hmac
                  secrets: [{env: TALLY_DEMO_SECRET}]
            processor:
              application_id: tally-cluster
              standby_replicas: 1   # a warm copy of each store on the other processor
              counters:
                - name: events_by_type
                  group_by: [source, event_type]
                  windows: [1m, 1h, 1d]
            query:
              auth: none   # a local run on loopback; deploy/tally.cluster.yaml requires a token
            """;

    @Option(names = "--data-dir", defaultValue = "${env:TALLY_DATA_DIR:-data/cluster}", description = "Where every process keeps its data and log (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--config", description = "Config file for the gateways and processors (default: one written to the data dir, with replication 3).")
    Path config;

    @Override
    public Integer call() throws Exception {
        final Cluster cluster = Cluster.start(dataDir, config, System.getenv());
        Tally.closeOnShutdown(cluster);
        System.out.println(cluster.describe());
        new CountDownLatch(1).await();
        return 0;
    }

    /**
     * Every port of the cluster, by 1-based instance number. {@link #fixed()} are the documented
     * ports of {@code tally cluster}; tests and the soak run take {@link #free()} ones, so they never
     * meet another cluster on this machine.
     */
    public record Ports(List<Integer> brokers, List<Integer> controllers, List<Integer> gateways, List<Integer> queries) {

        public static Ports fixed() {
            final List<Integer> n = List.of(1, 2, 3);
            return new Ports(n.stream().map(i -> 10_000 * i + 9092).toList(), n.stream().map(i -> 10_000 * i + 9093).toList(),
                    n.subList(0, 2).stream().map(i -> 10_000 * i + 8080).toList(), n.subList(0, 2).stream().map(i -> 10_000 * i + 8081).toList());
        }

        public static Ports free() throws IOException {
            final List<ServerSocket> held = new ArrayList<>();
            try {
                final List<Integer> ports = new ArrayList<>();
                for (int i = 0; i < 2 * BROKERS + 4; i++) {
                    final ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                    held.add(socket);   // held until all are chosen, so no port is picked twice
                    ports.add(socket.getLocalPort());
                }
                return new Ports(ports.subList(0, BROKERS), ports.subList(BROKERS, 2 * BROKERS),
                        ports.subList(2 * BROKERS, 2 * BROKERS + 2), ports.subList(2 * BROKERS + 2, 2 * BROKERS + 4));
            } finally {
                for (ServerSocket socket : held) {
                    socket.close();
                }
            }
        }
    }

    /** The running processes; closing stops them, newest first. */
    public static final class Cluster implements AutoCloseable {

        private final Path dataDir;
        private final Ports ports;
        private final Path config;
        private final Map<String, String> env;
        private final Map<String, Process> processes = new LinkedHashMap<>();
        private final List<String> brokerAddresses = new ArrayList<>();
        private final String voters;
        private final String clusterId;

        private Cluster(final Path dataDir, final Ports ports, final Path config, final Map<String, String> env) {
            this.dataDir = dataDir.toAbsolutePath();
            this.ports = ports;
            this.config = config;
            this.env = env;
            final List<String> v = new ArrayList<>();
            for (int n = 1; n <= BROKERS; n++) {
                v.add(n + "@127.0.0.1:" + controllerPort(n));
                brokerAddresses.add("127.0.0.1:" + brokerPort(n));
            }
            this.voters = String.join(",", v);
            this.clusterId = clusterIdOf(this.dataDir);
        }

        /** The cluster on its {@link Ports#fixed() documented ports}. */
        public static Cluster start(final Path dataDir, final Path configFile, final Map<String, String> env) throws Exception {
            return start(dataDir, Ports.fixed(), configFile, env);
        }

        public static Cluster start(final Path dataDir, final Ports ports, final Path configFile, final Map<String, String> env)
                throws Exception {
            Files.createDirectories(dataDir);
            Path config = configFile;
            if (config == null) {
                config = dataDir.resolve("tally.yaml");
                Files.writeString(config, CONFIG);
            }
            final Cluster cluster = new Cluster(dataDir, ports, config, env);
            try {
                for (int n = 1; n <= BROKERS; n++) {
                    cluster.startBroker(n);
                }
                for (int n = 1; n <= 2; n++) {
                    cluster.startProcessor(n);
                }
                for (int n = 1; n <= 2; n++) {
                    cluster.startGateway(n);
                }
                for (int n = 1; n <= 2; n++) {
                    cluster.awaitHttp("gateway-" + n, "http://127.0.0.1:" + cluster.gatewayPort(n) + "/readyz");
                    cluster.awaitHttp("processor-" + n, "http://127.0.0.1:" + cluster.queryPort(n) + "/readyz");
                }
            } catch (Exception e) {
                cluster.close();
                throw e;
            }
            return cluster;
        }

        /** A cluster on free ports with no process started yet: start its processes one by one. */
        public static Cluster unstarted(final Path dataDir, final Map<String, String> env) throws IOException {
            Files.createDirectories(dataDir);
            return new Cluster(dataDir, Ports.free(), null, env);
        }

        /** The log of the process named {@code name}. */
        public Path log(final String name) {
            return dataDir.resolve(name + ".log");
        }

        /** Whether the process named {@code name} is running. */
        public boolean running(final String name) {
            final Process p = processes.get(name);
            return p != null && p.isAlive();
        }

        public int brokerPort(final int n) {
            return ports.brokers().get(n - 1);
        }

        int controllerPort(final int n) {
            return ports.controllers().get(n - 1);
        }

        public int gatewayPort(final int n) {
            return ports.gateways().get(n - 1);
        }

        public int queryPort(final int n) {
            return ports.queries().get(n - 1);
        }

        public String bootstrapServers() {
            return String.join(",", brokerAddresses);
        }

        public void startBroker(final int n) throws IOException {
            startTally("broker-" + n, Map.of(), "broker", "--data-dir", dataDir.resolve("broker-" + n).toString(),
                    "--port", String.valueOf(brokerPort(n)), "--controller-port", String.valueOf(controllerPort(n)),
                    "--node-id", String.valueOf(n), "--voters", voters, "--cluster-id", clusterId);
        }

        public void startGateway(final int n) throws IOException {
            startTally("gateway-" + n, Map.of("TALLY_GATEWAY_PORT", String.valueOf(gatewayPort(n))), "gateway", "-c", config.toString());
        }

        public void startProcessor(final int n) throws IOException {
            startTally("processor-" + n, Map.of(
                    "TALLY_QUERY_PORT", String.valueOf(queryPort(n)),
                    "TALLY_STATE_DIR", dataDir.resolve("processor-" + n).toString()), "processor", "-c", config.toString());
        }

        /** The running processes' pids, by name ({@code broker-1}, {@code gateway-2}, …). */
        public Map<String, Long> pids() {
            final Map<String, Long> pids = new LinkedHashMap<>();
            processes.forEach((name, p) -> pids.put(name, p.pid()));
            return pids;
        }

        /** SIGKILL: no shutdown hook runs, nothing is flushed or committed. */
        public void kill(final String name) throws InterruptedException {
            final Process p = processes.remove(name);
            if (p != null) {
                p.destroyForcibly().waitFor();
            }
        }

        /**
         * SIGTERM, and wait up to {@code grace} for the process to finish its shutdown; SIGKILL after
         * that. (The last broker of a KRaft quorum that lost its majority cannot complete a
         * controlled shutdown: it would wait forever.)
         */
        public void stop(final String name, final Duration grace) throws InterruptedException {
            final Process p = processes.remove(name);
            if (p == null) {
                return;
            }
            p.destroy();
            boolean exited = false;
            try {
                exited = p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                if (!exited) {
                    p.destroyForcibly().waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        }

        /**
         * Starts {@code tally <args>} as a child JVM named {@code name}, logging to {@code <data-dir>/<name>.log}, with
         * this cluster's brokers as {@code KAFKA_BOOTSTRAP_SERVERS} unless {@code extraEnv} sets it otherwise.
         */
        public void startTally(final String name, final Map<String, String> extraEnv, final String... args) throws IOException {
            final List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
            // Each process is a tally JVM: it takes TALLY_JAVA_OPTS as ./tally does.
            for (String option : env.getOrDefault("TALLY_JAVA_OPTS", "").trim().split("\\s+")) {
                if (!option.isEmpty()) {
                    command.add(option);
                }
            }
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), Tally.class.getName()));
            command.addAll(List.of(args));
            final ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().putAll(env);
            pb.environment().putIfAbsent("TALLY_DEMO_SECRET", Banner.DEMO_SECRET);
            pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers());
            pb.environment().put(Tally.EXIT_WITH_PID, String.valueOf(ProcessHandle.current().pid()));
            pb.environment().putAll(extraEnv);
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(new File(dataDir.toFile(), name + ".log")));
            processes.put(name, pb.start());
        }

        private void awaitHttp(final String name, final String url) throws Exception {
            final HttpClient http = HttpClient.newHttpClient();
            final long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (System.nanoTime() < deadline) {
                final Process p = processes.get(name);
                if (p == null || !p.isAlive()) {
                    throw new IllegalStateException(name + " exited; see " + dataDir.resolve(name + ".log"));
                }
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(250);
            }
            throw new IllegalStateException(name + " not ready within 3 minutes; see " + dataDir.resolve(name + ".log"));
        }

        String describe() {
            return """

                    Loopback cluster is up (data and logs in %s).
                      Kafka      %s (3 brokers, replication 3, min.insync.replicas 2)
                      Gateways   http://127.0.0.1:%d  http://127.0.0.1:%d
                      Query APIs http://127.0.0.1:%d  http://127.0.0.1:%d
                    """.formatted(dataDir, bootstrapServers(), gatewayPort(1), gatewayPort(2), queryPort(1), queryPort(2));
        }

        @Override
        public void close() {
            final List<String> names = new ArrayList<>(processes.keySet());
            Collections.reverse(names);
            for (String name : names) {
                try {
                    stop(name, Duration.ofSeconds(15));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    processes.values().forEach(Process::destroyForcibly);
                    return;
                }
            }
        }

        /** One cluster id per data directory, so a restarted cluster reuses its formatted logs. */
        private static String clusterIdOf(final Path dataDir) {
            final Path file = dataDir.resolve("cluster.id");
            try {
                if (Files.exists(file)) {
                    return Files.readString(file).strip();
                }
                final String id = Uuid.randomUuid().toString();
                Files.writeString(file, id);
                return id;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
