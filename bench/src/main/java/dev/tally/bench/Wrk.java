package dev.tally.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Closed-loop load from Debian's {@code wrk} (a C load generator: epoll, one event loop per
 * thread): {@code connections} keep-alive connections, each sending its next request as soon as the
 * last one is answered. The requests are signed before the run and loaded by a Lua script, so
 * {@code wrk} does nothing per request but send bytes and read the answer. The script's
 * {@code done} hook reports the counts, the latency percentiles and {@code wrk}'s own CPU time
 * (from {@code /proc/self/stat}), which is how a run shows the generator was not the limit.
 *
 * <p>{@link #ensureInstalled} installs {@code wrk} with apt-get when it is missing and this runs as
 * root (as {@code .ci/run} installs Chromium); otherwise it fails saying how to install it.
 */
final class Wrk {

    /**
     * One run's outcome: latencies in microseconds; CPU in seconds of {@code wrk}, of the server's JVM, of the
     * broker's (-1 when unknown), and of this JVM and the whole machine.
     */
    record Result(String label, int connections, long requests, long errors, double seconds, double p50Micros,
                  double p90Micros, double p99Micros, double p999Micros, double maxMicros, double wrkCpuSeconds,
                  double serverCpuSeconds, double brokerCpuSeconds, Machine.CpuUse cpu) {

        /** Answered with the expected status per second (wrk counts any status ≥ 400, or a socket error, as an error). */
        double okPerSec() {
            return seconds <= 0 ? 0 : (requests - errors) / seconds;
        }

        double millis(final double percentile) {
            if (percentile == 50) {
                return p50Micros / 1000;
            }
            if (percentile == 99) {
                return p99Micros / 1000;
            }
            throw new IllegalArgumentException("p" + percentile + " is not reported");
        }

        /** The generator's share of the machine's CPU capacity (cores × wall time) during the run. */
        double wrkShare() {
            return cpu.capacitySeconds() <= 0 ? 0 : wrkCpuSeconds / cpu.capacitySeconds();
        }

        double perRequest(final double cpuSeconds) {
            return requests == errors ? 0 : cpuSeconds * 1e6 / (requests - errors);
        }

        Map<String, Object> toMap() {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", label);
            m.put("connections", connections);
            m.put("requests", requests);
            m.put("errors", errors);
            m.put("seconds", Report.round(seconds));
            m.put("ok_per_s", Report.round(okPerSec()));
            m.put("p50_ms", Report.round(p50Micros / 1000));
            m.put("p90_ms", Report.round(p90Micros / 1000));
            m.put("p99_ms", Report.round(p99Micros / 1000));
            m.put("p999_ms", Report.round(p999Micros / 1000));
            m.put("max_ms", Report.round(maxMicros / 1000));
            m.put("wrk_cpu_s", Report.round(wrkCpuSeconds));
            m.put("wrk_cpu_share", Report.round(wrkShare()));
            m.putAll(cpu.toMap());
            // CPU per request answered, which the machine's other load moves far less than requests per second.
            m.put("wrk_cpu_us_per_request", Report.round(perRequest(wrkCpuSeconds)));
            m.put("server_jvm_cpu_us_per_request", Report.round(serverCpuSeconds < 0 ? Double.NaN : perRequest(serverCpuSeconds)));
            m.put("bench_jvm_cpu_us_per_request", Report.round(perRequest(cpu.jvmSeconds())));
            m.put("broker_cpu_us_per_request", Report.round(brokerCpuSeconds < 0 ? Double.NaN : perRequest(brokerCpuSeconds)));
            return m;
        }
    }

    private static final Pattern LINE = Pattern.compile("TALLY_WRK (.*)");
    private static final String SCRIPT = """
            -- Requests signed before the run, one "signature<TAB>body" per line of args[1]; POSTed to args[2].
            local requests = {}
            local n = 0
            local i = 0
            function init(args)
              local f = assert(io.open(args[1], "r"))
              for line in f:lines() do
                local signature, body = line:match("^([^\\t]+)\\t(.*)$")
                n = n + 1
                requests[n] = wrk.format("POST", args[2],
                  {["Content-Type"] = "application/json", ["X-Signature"] = signature}, body)
              end
              f:close()
              i = math.random(n)
            end
            function request()
              i = i % n + 1
              return requests[i]
            end
            function done(summary, latency, requests)
              local f = assert(io.open("/proc/self/stat", "r"))
              local stat = f:read("*a")
              f:close()
              local fields = {}
              for x in stat:match("%) (.*)"):gmatch("%S+") do fields[#fields + 1] = x end
              local e = summary.errors
              io.write(string.format("TALLY_WRK requests=%d duration_us=%d errors=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d cpu_ticks=%d\\n",
                summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
                latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max,
                tonumber(fields[12]) + tonumber(fields[13])))
            end
            """;
    // USER_HZ: the unit of utime and stime in /proc/<pid>/stat on Linux.
    private static final double TICKS_PER_SECOND = 100;

    private final Path script;
    private final int threads;
    private final LongSupplier brokerCpuNanos;

    /**
     * @param threads        wrk's event-loop threads
     * @param brokerCpuNanos the broker JVM's CPU time so far (-1 when unknown), so each run reports the broker's share too
     */
    Wrk(final Path dir, final int threads, final LongSupplier brokerCpuNanos) {
        ensureInstalled();
        this.threads = threads;
        this.brokerCpuNanos = brokerCpuNanos;
        try {
            Files.createDirectories(dir);
            script = dir.resolve("signed.lua");
            Files.writeString(script, SCRIPT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the wrk script in " + dir, e);
        }
    }

    /** Writes {@code count} signed requests ({@link Rig#body}, fresh event ids with {@code prefix}) for the script to load. */
    static Path requests(final Path dir, final String prefix, final int count) {
        final StringBuilder lines = new StringBuilder();
        final java.time.Instant now = java.time.Instant.now();
        for (int i = 0; i < count; i++) {
            final byte[] body = Rig.body(prefix + i, "k" + (i % 1000), now);
            lines.append(Rig.sign(body)).append('\t').append(new String(body, StandardCharsets.UTF_8)).append('\n');
        }
        try {
            final Path file = dir.resolve(prefix + "requests.tsv");
            Files.writeString(file, lines);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write signed requests in " + dir, e);
        }
    }

    /**
     * Runs wrk against {@code url} for {@code duration} with {@code connections}, POSTing the signed requests of
     * {@code requests}; {@code serverCpuNanos} is the CPU time the server's JVM has used so far (-1 when unknown).
     */
    Result run(final String label, final String url, final LongSupplier serverCpuNanos, final int connections, final Duration duration,
               final Path requests) {
        final String path = url.replaceFirst("^http://[^/]+", "");
        final List<String> command = new ArrayList<>(List.of("wrk", "-t", String.valueOf(Math.min(threads, connections)),
                "-c", String.valueOf(connections), "-d", Math.max(1, duration.toSeconds()) + "s", "--timeout", "10s",
                "-s", script.toString(), url, "--", requests.toString(), path));
        final Machine.CpuSnapshot before = Machine.CpuSnapshot.now();
        final long brokerBefore = brokerCpuNanos.getAsLong();
        final long serverBefore = serverCpuNanos.getAsLong();
        final String output;
        try {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            final byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(duration.toSeconds() + 30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("wrk did not finish: " + command);
            }
            output = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("wrk failed (" + p.exitValue() + "): " + command + "\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run wrk", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while wrk ran", e);
        }
        final Machine.CpuUse cpu = Machine.CpuSnapshot.now().since(before);
        final long brokerAfter = brokerCpuNanos.getAsLong();
        final double brokerCpu = brokerBefore < 0 || brokerAfter < 0 ? -1 : (brokerAfter - brokerBefore) / 1e9;
        final long serverAfter = serverCpuNanos.getAsLong();
        final double serverCpu = serverBefore < 0 || serverAfter < 0 ? -1 : (serverAfter - serverBefore) / 1e9;
        final Matcher m = LINE.matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("wrk printed no TALLY_WRK line: " + command + "\n" + output);
        }
        final Map<String, Long> v = new LinkedHashMap<>();
        for (String pair : m.group(1).trim().split(" ")) {
            final int eq = pair.indexOf('=');
            v.put(pair.substring(0, eq), Long.parseLong(pair.substring(eq + 1)));
        }
        final Result r = new Result(label, connections, v.get("requests"), v.get("errors"), v.get("duration_us") / 1e6,
                v.get("p50_us"), v.get("p90_us"), v.get("p99_us"), v.get("p999_us"), v.get("max_us"),
                v.get("cpu_ticks") / TICKS_PER_SECOND, serverCpu, brokerCpu, cpu);
        System.err.printf("  [%s] %d connections: %.0f/s, p50 %.2f ms, p99 %.2f ms, %d errors; wrk %.0f %% of the machine's CPU,"
                        + " machine busy %.0f %%; CPU µs/request: wrk %.1f, server JVM %.1f, broker %.1f, bench JVM %.1f%n", label,
                connections, r.okPerSec(), r.p50Micros() / 1000, r.p99Micros() / 1000, r.errors(), 100 * r.wrkShare(),
                100 * cpu.busyShare(), r.perRequest(r.wrkCpuSeconds()), r.perRequest(serverCpu), r.perRequest(brokerCpu),
                r.perRequest(cpu.jvmSeconds()));
        return r;
    }

    /** Makes sure {@code wrk} is on the PATH: installs Debian's package when missing and running as root. */
    static synchronized void ensureInstalled() {
        if (onPath()) {
            return;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("the ingest benchmark needs wrk: install it with `sudo apt-get install -y wrk`");
        }
        System.err.println("  wrk is missing: apt-get install -y wrk");
        if (!apt("install") && !(apt("update") && apt("install"))) {
            throw new IllegalStateException("wrk is missing and `apt-get install -y wrk` failed; install it by hand");
        }
        if (!onPath()) {
            throw new IllegalStateException("apt-get installed wrk, but it is not on the PATH");
        }
    }

    private static boolean apt(final String what) {
        final List<String> command = what.equals("update") ? List.of("apt-get", "-qq", "update")
                : List.of("apt-get", "-qq", "install", "-y", "wrk");
        try {
            final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            final Process p = pb.start();
            return p.waitFor(10, TimeUnit.MINUTES) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean onPath() {
        final String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "wrk"))) {
                return true;
            }
        }
        return false;
    }
}
