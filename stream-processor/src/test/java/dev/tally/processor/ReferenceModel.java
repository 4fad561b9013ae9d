package dev.tally.processor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.tally.config.Durations;
import dev.tally.schemas.Alert;
import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.KeyCounts;
import dev.tally.schemas.LateEvent;

/**
 * What Tally's processor must output for a stream of deliveries, computed in plain Java with no
 * Kafka: the specification the property tests hold the real topology to. It follows stream time
 * only (no wall clock), on one partition. Events are counted on arrival; counters with the same
 * {@code group_by} share one time, the newest event time they counted less the reorder delay; each
 * counted event writes its key's latest counts, for every counter its row holds (the test driver
 * commits after every record).
 */
final class ReferenceModel {

    /** A window of one counter: which key, which size, where it starts. */
    record WindowId(String counter, String key, String window, long start) {
    }

    /** Everything the topology writes, per output topic, plus the final state of the stores. */
    record Output(List<Envelope> ordered, List<KeyCounts> updates, List<CountUpdate> finals, List<LateEvent> late,
                  List<Alert> alerts, Map<WindowId, Long> windows, Map<String, Long> totals) {
    }

    private final ProcessorConfig config;
    private final long dedupeRetention;

    // dedupe
    private final Map<String, List<Long>> seen = new HashMap<>();
    private long dedupeObserved = Long.MIN_VALUE;
    // reorder
    private final TreeMap<String, Envelope> buffer = new TreeMap<>();
    private long reorderTime = Long.MIN_VALUE;
    // counters, by stage
    private final List<CountingStage> stages;
    private final Map<String, Long> stageTime = new HashMap<>();
    private final Map<String, Set<String>> rowSections = new HashMap<>();
    private final Map<String, Long> finalizedUpTo = new HashMap<>();
    private final Map<WindowId, Long> windows = new LinkedHashMap<>();
    private final Map<WindowId, Long> peaks = new HashMap<>();
    private final Map<String, Long> totals = new TreeMap<>();

    private final List<Envelope> ordered = new ArrayList<>();
    private final List<KeyCounts> updates = new ArrayList<>();
    private final List<CountUpdate> finals = new ArrayList<>();
    private final List<LateEvent> late = new ArrayList<>();
    private final List<Alert> alerts = new ArrayList<>();

    ReferenceModel(final ProcessorConfig config) {
        this.config = config;
        this.dedupeRetention = config.dedupeHorizons().values().stream()
                .max(Comparator.naturalOrder())
                .filter(h -> h.compareTo(config.dedupeHorizon()) > 0)
                .orElse(config.dedupeHorizon()).toMillis();
        this.stages = CountingStage.of(config.counters());
    }

    /** @param wallClock the processor's wall clock while it reads every delivery; each delivery's Kafka timestamp is its receive time */
    static Output run(final ProcessorConfig config, final List<Envelope> deliveries, final Instant wallClock) {
        final ReferenceModel model = new ReferenceModel(config);
        deliveries.forEach(d -> model.deliver(d, wallClock));
        return new Output(model.ordered, model.updates, model.finals, model.late, model.alerts, model.windows, model.totals);
    }

    private void deliver(final Envelope event, final Instant wallClock) {
        if (isTooFarAhead(event, wallClock)) {
            late.add(LateEvent.futureTimestamp(event.source(), event.eventId(), event.eventTime(), event.receivedAt(), wallClock,
                    Durations.format(config.maxFutureSkew()), null));
            return;
        }
        if (isDuplicate(event)) {
            return;
        }
        reorderTime = Math.max(reorderTime, event.eventTime().toEpochMilli());
        buffer.put(bufferKey(event), event);
        final long releaseUpTo = reorderTime - config.reorderDelay().toMillis();
        while (!buffer.isEmpty() && buffer.firstEntry().getValue().eventTime().toEpochMilli() <= releaseUpTo) {
            ordered.add(buffer.pollFirstEntry().getValue());
        }
        for (CountingStage stage : stages) {
            count(stage, event);
        }
    }

    /** Further ahead of the wall clock, or of its Kafka timestamp, than the skew allows: counted nowhere, not even remembered. */
    private boolean isTooFarAhead(final Envelope event, final Instant wallClock) {
        final Instant earlier = wallClock.isBefore(event.receivedAt()) ? wallClock : event.receivedAt();
        return event.eventTime().isAfter(earlier.plus(config.maxFutureSkew()));
    }

    /** A delivery is a duplicate if its id was seen within the source's horizon of its receive time. */
    private boolean isDuplicate(final Envelope event) {
        final long receivedAt = event.receivedAt().toEpochMilli();
        final long horizon = config.dedupeHorizon(event.source()).toMillis();
        // The store forgets what is older than its retention, counted from the latest receive time it holds.
        final long from = Math.max(receivedAt - horizon, dedupeObserved - dedupeRetention + 1);
        final long to = receivedAt + horizon;
        final List<Long> times = seen.computeIfAbsent(event.key(), k -> new ArrayList<>());
        if (times.stream().anyMatch(t -> t >= from && t <= to)) {
            return true;
        }
        times.add(receivedAt);
        dedupeObserved = Math.max(dedupeObserved, receivedAt);
        return false;
    }

    private static String bufferKey(final Envelope e) {
        return "%020d|%020d|%s".formatted(e.eventTime().toEpochMilli(), e.receivedAt().toEpochMilli(), e.key());
    }

    /** Counts {@code event} in every counter of the stage that counts it, then closes what the stage's time passed. */
    private void count(final CountingStage stage, final Envelope event) {
        final List<Counter> counting = stage.counters().stream().filter(c -> c.matches(event)).toList();
        if (counting.isEmpty()) {
            return;
        }
        final long ts = event.eventTime().toEpochMilli();
        final long time = Math.max(stageTime.getOrDefault(stage.name(), Long.MIN_VALUE), ts - config.reorderDelay().toMillis());
        stageTime.put(stage.name(), time);
        final String key = counting.get(0).key(event);
        final Set<String> counted = rowSections.computeIfAbsent(stage.name() + "|" + key, k -> new LinkedHashSet<>());
        for (Counter counter : counting) {
            count(counter, key, event, counter.delta(event), time);
            counted.add(counter.name());
        }
        // The latest counts of every counter the key's row holds, in the order they first counted it.
        for (String name : counted) {
            updates.add(new KeyCounts(name, key, totals.get(name + "|" + key), openWindows(stage.counter(name), key, time)));
        }
        for (Counter counter : stage.counters()) {
            closeWindows(counter, time - counter.grace().toMillis());
        }
    }

    private void count(final Counter counter, final String key, final Envelope event, final long delta, final long time) {
        final long ts = event.eventTime().toEpochMilli();
        final long grace = counter.grace().toMillis();
        for (Duration sizeDuration : counter.windows()) {
            final long size = sizeDuration.toMillis();
            final String window = Durations.format(sizeDuration);
            final long advance = counter.hop() == null ? size : counter.hop().toMillis();
            for (long start = ts - Math.floorMod(ts, size) - size + advance; start <= ts; start += advance) {
                if (start >= 0 && start + size > ts) {
                    countIn(counter, key, event, delta, time, grace, size, window, start);
                }
            }
        }
        final String totalKey = counter.name() + "|" + key;
        final long total = totals.getOrDefault(totalKey, 0L) + delta;
        totals.put(totalKey, total);
    }

    /** The key's windows of the counter that are open at {@code time}: by size in the counter's order, oldest first. */
    private List<KeyCounts.Window> openWindows(final Counter counter, final String key, final long time) {
        final List<KeyCounts.Window> open = new ArrayList<>();
        for (Duration sizeDuration : counter.windows()) {
            final String window = Durations.format(sizeDuration);
            final long size = sizeDuration.toMillis();
            windows.entrySet().stream()
                    .filter(e -> e.getKey().counter().equals(counter.name()) && e.getKey().key().equals(key)
                            && e.getKey().window().equals(window) && e.getKey().start() + size + counter.grace().toMillis() > time)
                    .sorted(Comparator.comparingLong(e -> e.getKey().start()))
                    .forEach(e -> open.add(new KeyCounts.Window(window, Instant.ofEpochMilli(e.getKey().start()),
                            Instant.ofEpochMilli(e.getKey().start() + size), e.getValue())));
        }
        return open;
    }

    private void countIn(final Counter counter, final String key, final Envelope event, final long delta, final long time,
                         final long grace, final long size, final String window, final long start) {
        if (start + size + grace <= time) {
            late.add(LateEvent.windowClosed(counter.name(), key, window, Instant.ofEpochMilli(start), Instant.ofEpochMilli(start + size),
                    Instant.ofEpochMilli(start + size + grace), Instant.ofEpochMilli(time), event.source(), event.eventId(),
                    event.eventTime(), null));
            return;
        }
        final WindowId id = new WindowId(counter.name(), key, window, start);
        final long count = windows.getOrDefault(id, 0L) + delta;
        windows.put(id, count);
        final long peak = peaks.getOrDefault(id, 0L);
        if (count > peak) {
            peaks.put(id, count);
            for (long threshold : counter.thresholds()) {
                if (peak < threshold && threshold <= count) {
                    alerts.add(new Alert(counter.name(), key, window, Instant.ofEpochMilli(start),
                            Instant.ofEpochMilli(start + size), threshold, count, event.eventId(), event.eventTime()));
                }
            }
        }
    }

    /** Every window of the counter that ends at or before {@code closedUpTo} is final, once. */
    private void closeWindows(final Counter counter, final long closedUpTo) {
        for (Duration sizeDuration : counter.windows()) {
            final String window = Durations.format(sizeDuration);
            final String doneKey = counter.name() + "|" + window;
            final long done = finalizedUpTo.getOrDefault(doneKey, Long.MIN_VALUE);
            if (closedUpTo <= done) {
                continue;
            }
            final long size = sizeDuration.toMillis();
            windows.forEach((id, count) -> {
                final long end = id.start() + size;
                if (id.counter().equals(counter.name()) && id.window().equals(window) && end > done && end <= closedUpTo) {
                    finals.add(new CountUpdate(counter.name(), id.key(), window, Instant.ofEpochMilli(id.start()),
                            Instant.ofEpochMilli(end), count));
                }
            });
            finalizedUpTo.put(doneKey, closedUpTo);
        }
    }
}
