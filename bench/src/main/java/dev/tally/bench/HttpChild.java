package dev.tally.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import dev.tally.gateway.GatewayApp;

/**
 * An HTTP server of the ingest benchmark in a JVM of its own, as {@code tally gateway} runs in
 * production: the gateway (on the run's broker) or the bare Javalin endpoint. Apart, neither's JIT
 * profile, heap or GC pauses are shaped by the other or by the open-loop client in the bench JVM:
 * in one JVM, the gateway's rate fell from 31 000/s in its last warm-up round to 20 000/s in the
 * measured round right after a bare-endpoint round (both on Jetty's code), with nothing changed.
 */
final class HttpChild implements AutoCloseable {

    enum Kind { GATEWAY, BARE }

    private final Process process;
    private final int port;

    private HttpChild(final Process process, final int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts {@code kind} in a child JVM (the JVM's default heap, as the launcher leaves it) and waits until it listens. */
    static HttpChild start(final Kind kind, final String bootstrap, final Path dir) {
        final String name = kind.name().toLowerCase(Locale.ROOT);
        final Path portFile = dir.resolve(name + ".port");
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(portFile);
            final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            final List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                    Bench.class.getName(), "child-http", kind.name(), bootstrap, portFile.toString()));
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile())
                    .start();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.exists(portFile) || Files.size(portFile) == 0) {
                if (!p.isAlive()) {
                    throw new IllegalStateException(name + " JVM exited with " + p.exitValue() + "; see " + dir.resolve(name + ".log"));
                }
                if (System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException(name + " JVM did not listen within 90 s; see " + dir.resolve(name + ".log"));
                }
                Thread.sleep(50);
            }
            return new HttpChild(p, Integer.parseInt(Files.readString(portFile, StandardCharsets.UTF_8).trim()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the " + name + " JVM", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Child JVM entry: serves until the parent ends this process; the port goes to {@code portFile} once listening. */
    static void runChild(final Kind kind, final String bootstrap, final Path portFile) throws Exception {
        final AutoCloseable server;
        final int port;
        if (kind == Kind.GATEWAY) {
            final GatewayApp gateway = Rig.gateway(bootstrap);
            server = gateway;
            port = gateway.port();
        } else {
            final BareHttp bare = new BareHttp();
            server = bare;
            port = bare.port();
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, "http-child-stop"));
        final Path partial = portFile.resolveSibling(portFile.getFileName() + ".tmp");
        Files.writeString(partial, String.valueOf(port));
        Files.move(partial, portFile, StandardCopyOption.ATOMIC_MOVE);
        Thread.currentThread().join(TimeUnit.HOURS.toMillis(3));
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    /** CPU time the child JVM has used so far, in nanoseconds; -1 when unknown. */
    long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    @Override
    public void close() {
        Apps.stop(process, Duration.ofSeconds(30));
    }
}
