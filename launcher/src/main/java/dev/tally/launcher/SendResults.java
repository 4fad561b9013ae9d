package dev.tally.launcher;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

/**
 * What the gateway answered to the deliveries of one {@code tally send}: how many of each status,
 * the first answer of each rejected status (what to fix), and the latency of every answer.
 * Status 0 stands for no answer at all (connection refused, timeout).
 */
final class SendResults {

    /** The summary printed at the end. */
    record Summary(long sent, long accepted, Map<Integer, Long> rejected, Map<Integer, String> firstRejection,
                   long duplicates, double seconds, long p50Micros, long p99Micros) {

        boolean allAccepted() {
            return sent > 0 && accepted == sent;
        }

        String text() {
            if (sent == 1) {
                return (accepted == 1 ? "accepted" : "rejected") + String.format(Locale.ROOT, " in %.1f ms", p50Micros / 1000.0)
                        + (firstRejection.isEmpty() ? "" : " (" + SendResults.byStatus(rejected) + ")");
            }
            final StringBuilder out = new StringBuilder().append(String.format(Locale.ROOT,
                    "sent %d deliveries in %.1f s (%.1f/s): %d accepted, %d rejected", sent, seconds,
                    seconds > 0 ? sent / seconds : 0, accepted, sent - accepted));
            if (!rejected.isEmpty()) {
                out.append(" (").append(SendResults.byStatus(rejected)).append(')');
            }
            if (duplicates > 0) {
                out.append("; ").append(duplicates).append(" of them resent an earlier event (counted once)");
            }
            out.append(String.format(Locale.ROOT, "%nlatency p50 %.1f ms, p99 %.1f ms", p50Micros / 1000.0, p99Micros / 1000.0));
            firstRejection.forEach((status, answer) -> out.append(System.lineSeparator())
                    .append(status == 0 ? "no answer" : String.valueOf(status)).append(": ").append(answer));
            return out.toString();
        }
    }

    private final Map<Integer, Long> byStatus = new TreeMap<>();
    private final Map<Integer, String> firstRejection = new TreeMap<>();
    private final Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    private long duplicates;

    synchronized void record(final int status, final String answer, final long micros, final boolean duplicate) {
        byStatus.merge(status, 1L, Long::sum);
        if (!accepted(status)) {
            firstRejection.putIfAbsent(status, answer.strip());
        }
        if (status != 0) {
            latency.recordValue(Math.min(micros, latency.getHighestTrackableValue()));
        }
        if (duplicate) {
            duplicates++;
        }
    }

    /** Accepted count, then each rejected status with its count: the progress bar's message. */
    synchronized String progress() {
        final Map<Integer, Long> rejected = rejected();
        return accepted() + " accepted" + (rejected.isEmpty() ? "" : ", rejected " + byStatus(rejected));
    }

    synchronized Summary summary(final double seconds) {
        final long sent = byStatus.values().stream().mapToLong(Long::longValue).sum();
        return new Summary(sent, accepted(), rejected(), Map.copyOf(firstRejection), duplicates, seconds,
                latency.getValueAtPercentile(50), latency.getValueAtPercentile(99));
    }

    private long accepted() {
        return byStatus.entrySet().stream().filter(e -> accepted(e.getKey())).mapToLong(Map.Entry::getValue).sum();
    }

    private Map<Integer, Long> rejected() {
        final Map<Integer, Long> rejected = new TreeMap<>(byStatus);
        rejected.keySet().removeIf(SendResults::accepted);
        return rejected;
    }

    private static boolean accepted(final int status) {
        return status >= 200 && status < 300;
    }

    private static String byStatus(final Map<Integer, Long> counts) {
        final StringBuilder out = new StringBuilder();
        counts.forEach((status, n) -> out.append(out.length() == 0 ? "" : ", ")
                .append(status == 0 ? "no answer" : status).append(" ×").append(n));
        return out.toString();
    }
}
