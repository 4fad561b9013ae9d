package dev.tally.processor;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.tally.config.ConfigException;
import dev.tally.config.Durations;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.GroupKey;

/**
 * One configured counter: which events it counts, how it groups them into keys, and over which
 * tumbling windows.
 *
 * @param name       the counter's name, used in URLs, store names and output records
 * @param sources    count only events from these sources (empty: all)
 * @param eventTypes count only events of these types (empty: all)
 * @param groupBy    the fields whose values form the key: an envelope field ({@code source},
 *                   {@code event_type}, {@code entity_id}, {@code schema_version}) or a JSON pointer
 *                   into the payload written {@code /payload/...}
 * @param windows    tumbling window sizes
 * @param grace      how long after a window's end late events are still counted in it
 * @param payload    count only events whose payload has one of the listed values at each JSON pointer
 *                   (pointers relative to the payload, such as {@code /plan}); empty: no payload filter
 * @param deltas     what each event type adds to the count (such as {@code member.left: -1}); types not
 *                   listed add 1
 * @param thresholds counts that, when a key's count in a window first reaches them, emit one alert
 * @param hop        null for tumbling windows; else hopping windows that start every {@code hop}, so an
 *                   event counts in {@code size / hop} windows of each size
 * @param sinks      the names of the sinks ({@code notify.sinks}) its alerts are delivered to, written {@code notify:}
 *                   in the config file; empty: none. The launcher checks each against the configured sinks at start
 */
public record Counter(String name, Set<String> sources, Set<String> eventTypes, List<String> groupBy,
                      List<Duration> windows, Duration grace, Map<String, Set<String>> payload,
                      Map<String, Long> deltas, List<Long> thresholds, Duration hop, List<String> sinks) {

    /** A counter with tumbling windows and no payload filter, deltas or thresholds. */
    public Counter(final String name, final Set<String> sources, final Set<String> eventTypes, final List<String> groupBy,
                   final List<Duration> windows, final Duration grace) {
        this(name, sources, eventTypes, groupBy, windows, grace, Map.of(), Map.of(), List.of(), null, List.of());
    }

    /** A counter with tumbling windows. */
    public Counter(final String name, final Set<String> sources, final Set<String> eventTypes, final List<String> groupBy,
                   final List<Duration> windows, final Duration grace, final Map<String, Set<String>> payload,
                   final Map<String, Long> deltas, final List<Long> thresholds) {
        this(name, sources, eventTypes, groupBy, windows, grace, payload, deltas, thresholds, null, List.of());
    }

    static final Set<String> ENVELOPE_FIELDS = Set.of("source", "event_type", "entity_id", "schema_version");
    private static final String PAYLOAD_POINTER = "/payload";

    public Counter {
        if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new ConfigException("counter name '" + name + "' must be 1-64 letters, digits, '_' or '-'");
        }
        sources = Set.copyOf(sources);
        eventTypes = Set.copyOf(eventTypes);
        groupBy = List.copyOf(groupBy);
        windows = List.copyOf(windows);
        payload = Map.copyOf(payload);
        deltas = Map.copyOf(deltas);
        thresholds = thresholds.stream().sorted().distinct().toList();
        sinks = List.copyOf(sinks);
        if (!sinks.isEmpty() && thresholds.isEmpty()) {
            throw new ConfigException("counter '" + name + "': notify " + sinks + " needs thresholds; without them it has no alerts");
        }
        for (String pointer : payload.keySet()) {
            if (!pointer.startsWith("/")) {
                throw new ConfigException("counter '" + name + "': payload filter keys are JSON pointers into the payload, "
                        + "such as /plan; got '" + pointer + "'");
            }
        }
        if (groupBy.isEmpty()) {
            throw new ConfigException("counter '" + name + "': group_by needs at least one field");
        }
        for (String field : groupBy) {
            if (!ENVELOPE_FIELDS.contains(field) && !(field.startsWith(PAYLOAD_POINTER + "/"))) {
                throw new ConfigException("counter '" + name + "': cannot group by '" + field + "'; use one of "
                        + ENVELOPE_FIELDS + " or a JSON pointer into the payload such as /payload/customer/id");
            }
        }
        if (windows.isEmpty()) {
            throw new ConfigException("counter '" + name + "': list at least one window size");
        }
        if (windows.stream().distinct().count() != windows.size()) {
            throw new ConfigException("counter '" + name + "': window sizes repeat: " + windows);
        }
        for (Duration size : windows) {
            if (size.isNegative() || size.isZero()) {
                throw new ConfigException("counter '" + name + "': window sizes must be positive");
            }
        }
        if (hop != null) {
            for (Duration size : windows) {
                if (hop.isZero() || hop.isNegative() || size.toMillis() % hop.toMillis() != 0) {
                    throw new ConfigException("counter '" + name + "': hop " + Durations.format(hop)
                            + " must be positive and divide every window size; " + Durations.format(size) + " is not a multiple");
                }
            }
        }
        if (grace.isNegative()) {
            throw new ConfigException("counter '" + name + "': grace must not be negative");
        }
    }

    public boolean matches(final Envelope event) {
        if (!(sources.isEmpty() || sources.contains(event.source()))
                || !(eventTypes.isEmpty() || eventTypes.contains(event.eventType()))) {
            return false;
        }
        for (Map.Entry<String, Set<String>> filter : payload.entrySet()) {
            final String value = GroupKey.text(event.payload() == null ? null : event.payload().at(filter.getKey()));
            if (value == null || !filter.getValue().contains(value)) {
                return false;
            }
        }
        return true;
    }

    /** What the event adds to the count. */
    public long delta(final Envelope event) {
        return deltas.getOrDefault(event.eventType(), 1L);
    }

    /** The event's group key; absent values are empty strings (see {@link GroupKey}). */
    public String key(final Envelope event) {
        return GroupKey.of(groupBy, event);
    }

    /**
     * The start times of the windows of {@code size} that contain {@code eventTime}, oldest first: one
     * for tumbling windows, {@code size / hop} for hopping ones (none before the epoch).
     */
    public long[] windowStarts(final long eventTime, final long size) {
        final long advance = hop == null ? size : hop.toMillis();
        final long last = eventTime - Math.floorMod(eventTime, advance);
        final long first = Math.max(0, last - size + advance);
        final long[] starts = new long[(int) ((last - first) / advance + 1)];
        for (int k = 0; k < starts.length; k++) {
            starts[k] = first + k * advance;
        }
        return starts;
    }

    /**
     * The first instant after {@code time} at which one of this counter's windows closes (its end plus
     * grace), or {@code Long.MAX_VALUE} for a counter without windows. Windows start every hop (or every
     * size), so they close every hop, offset by size + grace.
     */
    public long nextWindowClose(final long time) {
        long next = Long.MAX_VALUE;
        for (Duration size : windows) {
            final long advance = hop == null ? size.toMillis() : hop.toMillis();
            final long offset = size.toMillis() + grace.toMillis();
            next = Math.min(next, (Math.floorDiv(time - offset, advance) + 1) * advance + offset);
        }
        return next;
    }

    /** The window size with this spelling ({@code 1m}, {@code 1h}), if the counter has it. */
    public Duration window(final String spelled) {
        for (Duration size : windows) {
            if (Durations.format(size).equals(spelled)) {
                return size;
            }
        }
        return null;
    }
}
