package dev.tally.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR recording (default settings, CPU samples every 10 ms) around a piece of work, summarised as the same counts
 * {@code jfr print --events jdk.ExecutionSample} would give: top frames, the first Tally frame of
 * each stack, and samples by thread pool. The .jfr file stays next to the results for a closer look.
 */
final class Profile {

    private Profile() {
    }

    static Recording start() {
        try {
            // JFR's "default" settings with CPU samples every 10 ms: its "profile" settings (stack traces of
            // every socket read, park and allocation sample) slowed the gateway at 256 connections tenfold.
            final Recording r = new Recording(Configuration.getConfiguration("default"));
            r.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(10));
            r.start();
            return r;
        } catch (IOException | ParseException e) {
            throw new IllegalStateException("cannot start JFR", e);
        }
    }

    static Map<String, Object> stopAndSummarise(final Recording recording, final Path file) {
        recording.stop();
        try {
            recording.dump(file);
            recording.close();
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
