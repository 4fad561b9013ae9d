package dev.tally.notifier;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets a sink's consumer read and has not finished, per partition. Deliveries finish out of
 * order; the offset to commit is always the first unfinished one, so a restart never skips an
 * alert whose delivery was still going on.
 */
final class PendingOffsets {

    private final Map<TopicPartition, TreeMap<Long, Boolean>> open = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private int outstanding;

    void add(final TopicPartition partition, final long offset) {
        open.computeIfAbsent(partition, p -> new TreeMap<>()).put(offset, false);
        outstanding++;
    }

    void finish(final TopicPartition partition, final long offset) {
        final TreeMap<Long, Boolean> offsets = open.get(partition);
        if (offsets != null && Boolean.FALSE.equals(offsets.replace(offset, true))) {
            outstanding--;
        }
    }

    /** Read and not finished, over every partition. */
    int outstanding() {
        return outstanding;
    }

    /** The new commit positions of partitions whose finished prefix grew since they were last returned. */
    Map<TopicPartition, OffsetAndMetadata> committable() {
        final Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (Map.Entry<TopicPartition, TreeMap<Long, Boolean>> entry : open.entrySet()) {
            long next = -1;
            final Iterator<Map.Entry<Long, Boolean>> it = entry.getValue().entrySet().iterator();
            while (it.hasNext()) {
                final Map.Entry<Long, Boolean> offset = it.next();
                if (!offset.getValue()) {
                    break;
                }
                next = offset.getKey() + 1;
                it.remove();
            }
            if (next >= 0 && next > committed.getOrDefault(entry.getKey(), -1L)) {
                committed.put(entry.getKey(), next);
                commits.put(entry.getKey(), new OffsetAndMetadata(next));
            }
        }
        return commits;
    }

    /** Stops tracking {@code partition} (revoked or lost): its unfinished alerts are the next owner's. */
    void forget(final TopicPartition partition) {
        final TreeMap<Long, Boolean> offsets = open.remove(partition);
        if (offsets != null) {
            outstanding -= (int) offsets.values().stream().filter(done -> !done).count();
        }
        committed.remove(partition);
    }
}
