package dev.tally.processor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.tally.config.ConfigException;

/**
 * The counters that share one {@code group_by}, counted together: one repartition topic, one
 * counting step and one row per key ({@link KeyRow}) for all of them. Its name, derived from the
 * group-by fields alone, names the repartition topic and the stores, so adding or removing a
 * counter of the group keeps the others' state.
 *
 * @param name     {@code by-} and the group-by fields, such as {@code by-source_payload.plan}
 * @param groupBy  the fields every counter of the stage groups by
 * @param counters the counters, in configuration order
 */
public record CountingStage(String name, List<String> groupBy, List<Counter> counters) {

    private static final Pattern NOT_IN_TOPIC_NAMES = Pattern.compile("[^A-Za-z0-9._-]");

    public CountingStage {
        groupBy = List.copyOf(groupBy);
        counters = List.copyOf(counters);
    }

    /** The stages of {@code counters}: one per distinct {@code group_by}, in the order they first appear. */
    public static List<CountingStage> of(final List<Counter> counters) {
        final Map<List<String>, List<Counter>> groups = new LinkedHashMap<>();
        for (Counter counter : counters) {
            groups.computeIfAbsent(counter.groupBy(), g -> new ArrayList<>()).add(counter);
        }
        final Map<String, List<String>> names = new LinkedHashMap<>();
        final List<CountingStage> stages = new ArrayList<>();
        groups.forEach((groupBy, members) -> {
            final String name = name(groupBy);
            final List<String> clash = names.putIfAbsent(name, groupBy);
            if (clash != null) {
                throw new ConfigException("the group_by lists " + clash + " and " + groupBy + " both make the stage name '" + name
                        + "' (used in topic and store names); rename a payload field in one of them");
            }
            stages.add(new CountingStage(name, groupBy, members));
        });
        return stages;
    }

    static String name(final List<String> groupBy) {
        final List<String> parts = new ArrayList<>();
        for (String field : groupBy) {
            final String path = field.startsWith("/") ? field.substring(1).replace('/', '.') : field;
            parts.add(NOT_IN_TOPIC_NAMES.matcher(path).replaceAll("_"));
        }
        return "by-" + String.join("_", parts);
    }

    /** The name of the topology's repartition step; Kafka Streams names its topic {@link #repartitionTopic}. */
    String repartitionName() {
        return name + "-by-key";
    }

    /** The repartition topic of the stage in application {@code applicationId}, as Kafka Streams names it. */
    public String repartitionTopic(final String applicationId) {
        return applicationId + "-" + repartitionName() + "-repartition";
    }

    /** The counter of this stage with that name, or null (a record written under another configuration). */
    public Counter counter(final String counterName) {
        for (Counter c : counters) {
            if (c.name().equals(counterName)) {
                return c;
            }
        }
        return null;
    }

    /** The longest window size plus grace of any counter: how long a window can stay open. */
    Duration longestOpen() {
        Duration longest = Duration.ZERO;
        for (Counter c : counters) {
            for (Duration size : c.windows()) {
                final Duration open = size.plus(c.grace());
                if (open.compareTo(longest) > 0) {
                    longest = open;
                }
            }
        }
        return longest;
    }
}
