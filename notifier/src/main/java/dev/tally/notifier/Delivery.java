package dev.tally.notifier;

import java.time.Instant;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import dev.tally.schemas.Alert;

/** One alert on its way to one sink, with its attempts so far. Touched by its {@link SinkWorker}'s thread only. */
final class Delivery {
    final TopicPartition partition;
    final long offset;
    final Alert alert;
    final String webhookId;
    final byte[] body;
    final Instant readAt;
    int attempts;
    Instant firstAttemptAt;
    Instant nextAttemptAt;
    Integer lastStatus;
    String gaveUp;      // non-null once given up: the reason, and the undelivered record still to be written
    boolean revoked;    // its partition went to another instance, which delivers it again

    Delivery(final ConsumerRecord<String, byte[]> record, final Alert alert, final byte[] body, final Instant readAt) {
        this.partition = new TopicPartition(record.topic(), record.partition());
        this.offset = record.offset();
        this.alert = alert;
        this.webhookId = WebhookId.of(record.key() != null ? record.key() : alert.topicKey());
        this.body = body;
        this.readAt = readAt;
    }
}
