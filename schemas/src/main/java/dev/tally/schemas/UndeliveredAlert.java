package dev.tally.schemas;

import java.time.Instant;

/**
 * An alert the notifier gave up delivering to one sink, as written to {@link Topics#UNDELIVERED}: every
 * attempt failed, or the sink's attempt limit or deadline was reached. Schema:
 * {@code schemas/undelivered-alert.schema.json}.
 *
 * @param alert          the alert, as read from {@link Topics#ALERTS}
 * @param sink           the configured sink's name
 * @param webhookId      the id every attempt carried ({@code webhook-id}), derived from the alert's record key
 * @param attempts       how many requests were made
 * @param lastStatus     the HTTP status of the last answer; null when the last attempt got none (timeout, refused)
 * @param reason         why the last attempt failed and why no more were made, in words; never a secret
 * @param firstAttemptAt when the first request was made
 * @param gaveUpAt       when the notifier gave up
 */
public record UndeliveredAlert(Alert alert, String sink, String webhookId, int attempts, Integer lastStatus,
                               String reason, Instant firstAttemptAt, Instant gaveUpAt) {

    /** The topic's key: the alert's record key, then {@code |sink}. */
    public String topicKey() {
        return alert.topicKey() + "|" + sink;
    }
}
