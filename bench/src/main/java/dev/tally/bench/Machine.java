package dev.tally.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.utils.AppInfoParser;

/** What the numbers were measured on, and how busy the machine was. */
final class Machine {

    private Machine() {
    }

    static Map<String, Object> describe() {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("kafka", AppInfoParser.getVersion());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
        m.put("load_average", loadAverage());
        return m;
    }

    /** The 1, 5 and 15 minute load averages from /proc/loadavg, or "unknown". */
    static String loadAverage() {
        try {
            final String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** CPU time used in an interval: by this JVM and by the whole machine (all processes), against the machine's capacity. */
    record CpuUse(double wallSeconds, double capacitySeconds, double jvmSeconds, double busySeconds) {

        double jvmShare() {
            return capacitySeconds <= 0 ? 0 : jvmSeconds / capacitySeconds;
        }

        double busyShare() {
            return capacitySeconds <= 0 ? 0 : busySeconds / capacitySeconds;
        }

        Map<String, Object> toMap() {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("bench_jvm_cpu_share", Report.round(jvmShare()));
            m.put("machine_busy_share", Report.round(busyShare()));
            return m;
        }
    }

    /** The machine's busy and idle jiffies (/proc/stat) and this JVM's CPU time, at one moment. */
    record CpuSnapshot(long nanos, long busyTicks, long allTicks, long jvmNanos) {

        static CpuSnapshot now() {
            long busy = 0;
            long all = 0;
            try {
                final String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                // cpu user nice system idle iowait irq softirq steal: idle and iowait are not busy.
                for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
                    final long v = Long.parseLong(f[i]);
                    all += v;
                    busy += i == 4 || i == 5 ? 0 : v;
                }
            } catch (IOException | RuntimeException e) {
                busy = -1;
            }
            final var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            final long jvm = os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
            return new CpuSnapshot(System.nanoTime(), busy, all, jvm);
        }

        CpuUse since(final CpuSnapshot before) {
            final double wall = (nanos - before.nanos) / 1e9;
            final int cores = Runtime.getRuntime().availableProcessors();
            final double allTicksUsed = allTicks - before.allTicks;
            final double busy = busyTicks < 0 || before.busyTicks < 0 || allTicksUsed <= 0 ? 0
                    : (busyTicks - before.busyTicks) / allTicksUsed * wall * cores;
            return new CpuUse(wall, wall * cores, (jvmNanos - before.jvmNanos) / 1e9, busy);
        }
    }

    /** This JVM's resident set size in bytes (VmRSS), or -1 where /proc is missing. */
    static long rssBytes() {
        return rssBytes(Path.of("/proc/self/status"));
    }

    static long rssBytes(final Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static long directorySize(final Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;   // a RocksDB file deleted by compaction while we walk
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }
}
