package dev.tally.notifier;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** How a {@link SinkWorker} makes one attempt at one alert: {@link WebhookSender} over HTTP; a fake in tests. */
interface Transport extends AutoCloseable {

    /** One attempt; the future never fails, a failure is an {@link Answer} without status. */
    CompletableFuture<Answer> send(String webhookId, byte[] body);

    @Override
    void close();

    /**
     * What one attempt got.
     *
     * @param status     the HTTP status, or -1 when there was no answer
     * @param retryAfter the answer's {@code Retry-After}, or null
     * @param detail     what happened, in words (the status and the start of the body, or the error); never a header we sent
     */
    record Answer(int status, Duration retryAfter, String detail) {
        boolean delivered() {
            return status >= 200 && status < 300;
        }

        /** {@code Retry-After} is honoured on 429 and 503, where it means "come back then". */
        Duration honouredRetryAfter() {
            return status == 429 || status == 503 ? retryAfter : null;
        }
    }
}
