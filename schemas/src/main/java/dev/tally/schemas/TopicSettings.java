package dev.tally.schemas;

/**
 * How Tally creates its topics when they are missing.
 *
 * @param partitions        partitions per topic; the number of processor instances that can share the work
 * @param replicationFactor copies of each partition; 1 on the embedded broker, 3 on a real cluster
 * @param minInsyncReplicas replicas that must hold a record before acks=all succeeds
 */
public record TopicSettings(int partitions, short replicationFactor, int minInsyncReplicas) {

    public static final TopicSettings EMBEDDED = new TopicSettings(3, (short) 1, 1);

    public TopicSettings {
        if (partitions < 1) {
            throw new IllegalArgumentException("topics.partitions must be at least 1, got " + partitions);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("topics.replication_factor must be at least 1, got " + replicationFactor);
        }
        if (minInsyncReplicas < 1 || minInsyncReplicas > replicationFactor) {
            throw new IllegalArgumentException("topics.min_insync_replicas must be between 1 and the replication factor ("
                    + replicationFactor + "), got " + minInsyncReplicas);
        }
    }
}
