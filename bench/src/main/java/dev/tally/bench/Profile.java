package dev.tally.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR recording (default settings, CPU samples every 20 ms) in a child JVM around a piece of work, started and
 * stopped with {@code jcmd} (JFR's "profile" settings, with stack traces of every socket read, park and allocation
 * sample, slowed the gateway at 256 connections tenfold), summarised as the same counts
 * {@code jfr print --events jdk.ExecutionSample} would give: top frames, the first Tally frame of
 * each stack, and samples by thread pool. The .jfr file stays next to the results for a closer look.
 */
final class Profile {

    private Profile() {
    }

    /**
     * Starts a recording named {@code name} in the JVM {@code pid} (with {@code jcmd}): JFR's "default" settings,
     * whose CPU samples come every 20 ms.
     */
    static void startIn(final long pid, final String name) {
        jcmd(pid, "JFR.start", "name=" + name, "settings=default");
    }

    /** Stops the recording {@code name} in the JVM {@code pid}, writing it to {@code file} first unless that is null. */
    static void stopIn(final long pid, final String name, final Path file) {
        if (file != null) {
            jcmd(pid, "JFR.dump", "name=" + name, "filename=" + file);
        }
        jcmd(pid, "JFR.stop", "name=" + name);
    }

    private static void jcmd(final long pid, final String... command) {
        final List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid)));
        line.addAll(List.of(command));
        try {
            final Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("jcmd failed: " + line + "\n" + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run jcmd", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Top frames, first Tally frames, threads and areas of the CPU samples in the recording {@code file}. */
    static Map<String, Object> summarise(final Path file) {
        try {
            final List<RecordedEvent> samples = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("jdk.ExecutionSample")).toList();
            final Map<String, Integer> top = new HashMap<>();
            final Map<String, Integer> tally = new HashMap<>();
            final Map<String, Integer> threads = new HashMap<>();
            final Map<String, Integer> areas = new HashMap<>();
            for (RecordedEvent e : samples) {
                final List<RecordedFrame> frames = e.getStackTrace() == null ? List.of() : e.getStackTrace().getFrames();
                if (!frames.isEmpty()) {
                    top.merge(name(frames.get(0)), 1, Integer::sum);
                }
                frames.stream().filter(f -> f.isJavaFrame() && f.getMethod().getType().getName().startsWith("dev.tally"))
                        .findFirst().ifPresent(f -> tally.merge(name(f), 1, Integer::sum));
                final String thread = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
                threads.merge(thread == null ? "?" : thread.replaceAll("[-#]?\\d+", "").trim(), 1, Integer::sum);
                areas.merge(area(frames), 1, Integer::sum);
            }
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", file.getFileName().toString());
            m.put("samples", samples.size());
            m.put("by_area", sorted(areas, 12));
            m.put("by_thread", sorted(threads, 12));
            m.put("top_frames", sorted(top, 15));
            m.put("first_tally_frame", sorted(tally, 12));
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The library a stack is working in, judged from its frames top down. */
    private static String area(final List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            final String t = f.getMethod().getType().getName();
            if (t.startsWith("javax.crypto") || t.startsWith("com.sun.crypto")) {
                return "HMAC (javax.crypto)";
            }
            if (t.startsWith("com.fasterxml.jackson")) {
                return "JSON (jackson)";
            }
            if (t.startsWith("com.networknt")) {
                return "JSON Schema";
            }
            if (t.startsWith("io.micrometer")) {
                return "metrics (micrometer)";
            }
            if (t.startsWith("dev.tally")) {
                return "tally: " + t.substring(t.lastIndexOf('.') + 1);
            }
        }
        for (RecordedFrame f : frames) {
            final String t = f.getMethod().getType().getName();
            if (t.startsWith("org.apache.kafka")) {
                return "kafka client";
            }
            if (t.startsWith("org.eclipse.jetty") || t.startsWith("io.javalin")) {
                return "jetty/javalin";
            }
            if (t.startsWith("jdk.internal.net.http")) {
                return "load generator (HttpClient)";
            }
            if (t.startsWith("sun.nio") || t.startsWith("java.nio")) {
                return "nio";
            }
        }
        return frames.isEmpty() ? "?" : "other: " + frames.get(0).getMethod().getType().getName();
    }

    private static String name(final RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static Map<String, Integer> sorted(final Map<String, Integer> counts, final int limit) {
        final Map<String, Integer> out = new LinkedHashMap<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(limit)
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }
}
