package dev.tally.query;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.streams.KafkaStreams;

import dev.tally.processor.Counter;

/**
 * Whether this instance should get queries ({@code GET /readyz}); {@code /healthz} only says the
 * process runs. Not ready while any of these holds:
 * <ul>
 *   <li>Kafka Streams is not {@code RUNNING} (starting, rebalancing, restoring before its first run, stopped);</li>
 *   <li>a stream thread failed (and was replaced) within the last {@link #THREAD_FAILURE_WINDOW}: a thread
 *       that keeps failing on the same record is replaced over and over while the client stays RUNNING;</li>
 *   <li>a store partition this instance is active for has not been queryable for longer than
 *       {@link #STORE_UNAVAILABLE_BOUND}: a rebalance or a restore of a few seconds is normal, one that
 *       does not end is not.</li>
 * </ul>
 * Failed threads and store availability are sampled on each call, so a failure is seen at the next probe.
 */
final class Readiness {

    /** How long after a stream thread failed the instance is not ready. */
    static final Duration THREAD_FAILURE_WINDOW = Duration.ofMinutes(1);
    /** How long a store partition this instance is active for may be unqueryable before it is not ready. */
    static final Duration STORE_UNAVAILABLE_BOUND = Duration.ofSeconds(30);

    /** What readiness looks at; {@link StreamsProbe} reads it from Kafka Streams. */
    interface Probe {
        KafkaStreams.State state();

        /** Stream threads failed since the client started (Kafka Streams' {@code failed-stream-threads}). */
        long failedThreads();

        /** The store partitions this instance is active for ({@code store/partition}) that cannot be read now. */
        Set<String> unqueryableStores();
    }

    /** The answer: ready or not, and why not. */
    record Status(boolean ready, String detail) {
    }

    private final Clock clock;
    private final Probe probe;
    private long failedThreadsSeen;
    private Instant lastThreadFailure;
    private final Map<String, Instant> unavailableSince = new HashMap<>();

    Readiness(final Clock clock, final Probe probe) {
        this.clock = clock;
        this.probe = probe;
    }

    static Readiness of(final CountsService counts, final List<Counter> counters, final Clock clock) {
        return new Readiness(clock, new StreamsProbe(counts, counters));
    }

    synchronized Status check() {
        final Instant now = clock.instant();
        final long failed = probe.failedThreads();
        if (failed > failedThreadsSeen) {
            failedThreadsSeen = failed;
            lastThreadFailure = now;
        }
        final KafkaStreams.State state = probe.state();
        if (state == KafkaStreams.State.RUNNING) {
            final Set<String> unqueryable = probe.unqueryableStores();
            unavailableSince.keySet().retainAll(unqueryable);
            unqueryable.forEach(store -> unavailableSince.putIfAbsent(store, now));
        } else {
            unavailableSince.clear();
        }
        if (lastThreadFailure != null && lastThreadFailure.plus(THREAD_FAILURE_WINDOW).isAfter(now)) {
            return new Status(false, "A stream thread failed and was replaced at " + lastThreadFailure + " (" + failed
                    + " since start; the processor is " + state + "); ready again " + THREAD_FAILURE_WINDOW.toSeconds()
                    + " s after the last failure.");
        }
        if (state != KafkaStreams.State.RUNNING) {
            return new Status(false, "The processor is " + state + ", not RUNNING (starting, restoring, rebalancing or stopped).");
        }
        final Set<String> stuck = new TreeSet<>();
        unavailableSince.forEach((store, since) -> {
            if (!since.plus(STORE_UNAVAILABLE_BOUND).isAfter(now)) {
                stuck.add(store + " (since " + since + ")");
            }
        });
        if (!stuck.isEmpty()) {
            return new Status(false, "Store partitions not queryable for more than " + STORE_UNAVAILABLE_BOUND.toSeconds() + " s: "
                    + String.join(", ", stuck) + ".");
        }
        return new Status(true, "ready");
    }
}
