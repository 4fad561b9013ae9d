package dev.tally.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;

import dev.tally.broker.EmbeddedKafkaBroker;

/**
 * A single-node KRaft broker on 127.0.0.1 for a whole benchmark run: in a child JVM by default, so
 * the broker's CPU and memory stay out of the measured JVM's RSS and profile; in-process with
 * {@code --in-process-broker}. Each measurement starts from {@link #reset()}: no topics, no groups.
 */
final class Broker implements AutoCloseable {

    private final String bootstrap;
    private final Process child;
    private final EmbeddedKafkaBroker embedded;

    private Broker(final String bootstrap, final Process child, final EmbeddedKafkaBroker embedded) {
        this.bootstrap = bootstrap;
        this.child = child;
        this.embedded = embedded;
    }

    static Broker start(final Path dir, final boolean fork) {
        if (!fork) {
            final EmbeddedKafkaBroker b = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir));
            return new Broker(b.bootstrapServers(), null, b);
        }
        final int port = freePort();
        final int controllerPort = freePort();
        try {
            Files.createDirectories(dir);
            final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            final List<String> command = new ArrayList<>(List.of(java, "-Xmx1g"));
            final String jfrDir = System.getProperty(Apps.JFR_DIR);
            if (jfrDir != null) {
                command.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
                        + Path.of(jfrDir, "broker.jfr").toAbsolutePath());
            }
            command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                    Bench.class.getName(), "child-broker", dir.toString(), String.valueOf(port), String.valueOf(controllerPort)));
            final Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("broker.log").toFile())
                    .start();
            final Broker broker = new Broker("127.0.0.1:" + port, p, null);
            broker.awaitReady(Duration.ofSeconds(90));
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the broker JVM", e);
        }
    }

    /** Child JVM entry: the broker on the given ports until this process is ended. */
    static void runChild(final Path dir, final int port, final int controllerPort) throws InterruptedException {
        final EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(new EmbeddedKafkaBroker.Settings(dir, "127.0.0.1", port,
                controllerPort));
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "broker-stop"));
        System.out.println("Kafka broker at " + broker.bootstrapServers());
        Thread.currentThread().join(TimeUnit.HOURS.toMillis(3));
    }

    String bootstrap() {
        return bootstrap;
    }

    /** CPU time the broker's JVM has used so far, in nanoseconds; -1 when it runs in this JVM. */
    long cpuNanos() {
        return child == null ? -1 : child.toHandle().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }

    /**
     * Deletes every topic (Kafka's internal topics stay), so the next measurement starts as on a
     * fresh broker, and waits until they are gone: a topic being deleted cannot be created again.
     * Consumer groups go with their topics' offsets, but a stopped Kafka Streams member stays in its
     * group until its session times out, so each measurement uses application ids of its own.
     */
    void reset() {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            final var topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            if (!topics.isEmpty()) {
                admin.deleteTopics(topics).all().get(60, TimeUnit.SECONDS);
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!admin.listTopics().names().get(30, TimeUnit.SECONDS).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topics still there 60 s after their deletion");
                }
                sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot reset the broker", e);
        }
    }

    private void awaitReady(final Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                throw new IllegalStateException("broker JVM exited with " + child.exitValue() + "; see broker.log");
            }
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap, "request.timeout.ms", 2000,
                    "default.api.timeout.ms", 3000))) {
                admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                sleep(500);
            }
        }
        close();
        throw new IllegalStateException("broker not ready within " + timeout);
    }

    @Override
    public void close() {
        if (embedded != null) {
            embedded.close();
            return;
        }
        Apps.stop(child, Duration.ofSeconds(30));
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
