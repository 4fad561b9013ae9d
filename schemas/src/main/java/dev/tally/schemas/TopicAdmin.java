package dev.tally.schemas;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates Tally's topics when they are missing; leaves existing topics as they are. */
public final class TopicAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

    private TopicAdmin() {
    }

    /**
     * Creates each of Tally's topics that does not exist yet.
     *
     * @throws IllegalStateException when the cluster cannot be reached within {@code timeoutMs}
     */
    public static void ensureTopics(final Properties clientProps, final TopicSettings settings,
                                    final Collection<Topics.Topic<?, ?>> topics, final long timeoutMs) {
        final List<NewTopic> wanted = new ArrayList<>();
        for (Topics.Topic<?, ?> topic : topics) {
            wanted.add(new NewTopic(topic.name(), settings.partitions(), settings.replicationFactor())
                    .configs(Map.of("min.insync.replicas", String.valueOf(settings.minInsyncReplicas()))));
        }
        ensure(clientProps, wanted, timeoutMs);
    }

    /**
     * Creates each topic of {@code wanted} that does not exist yet, as described there; an existing
     * topic is left as it is.
     *
     * @throws IllegalStateException when the cluster cannot be reached within {@code timeoutMs}
     */
    public static void ensure(final Properties clientProps, final List<NewTopic> wanted, final long timeoutMs) {
        final Properties props = new Properties();
        props.putAll(clientProps);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMs, 30_000));
        try (Admin admin = Admin.create(props)) {
            final var result = admin.createTopics(wanted);
            for (NewTopic topic : wanted) {
                try {
                    result.values().get(topic.name()).get(timeoutMs, TimeUnit.MILLISECONDS);
                    LOG.info("created topic {} ({} partitions, replication {})",
                            topic.name(), topic.numPartitions(), topic.replicationFactor());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + topic.name() + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka at " + clientProps.get("bootstrap.servers")
                    + " did not answer within " + timeoutMs + " ms while creating topics", e);
        }
    }

    /**
     * The partition count of {@code topic}, waiting (up to {@code timeoutMs}) for a topic just created
     * to be known to the broker answering.
     *
     * @throws IllegalStateException when the topic is not known within {@code timeoutMs}
     */
    public static int partitionCount(final Properties clientProps, final String topic, final long timeoutMs) {
        final Properties props = new Properties();
        props.putAll(clientProps);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try (Admin admin = Admin.create(props)) {
            while (true) {
                try {
                    return admin.describeTopics(List.of(topic)).allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS)
                            .get(topic).partitions().size();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                        throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
                    }
                    Thread.sleep(200); // metadata of a topic created a moment ago reaches every broker shortly
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing " + topic, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka at " + clientProps.get("bootstrap.servers")
                    + " did not describe " + topic + " within " + timeoutMs + " ms", e);
        }
    }
}
