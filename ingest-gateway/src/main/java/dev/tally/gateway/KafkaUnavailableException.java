package dev.tally.gateway;

import java.time.Duration;

import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;

/** Kafka did not acknowledge a delivery in time, or is too far behind to take it: the gateway answers 503 with Retry-After. */
public final class KafkaUnavailableException extends ProblemException {

    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    public KafkaUnavailableException(final Duration waited, final Throwable cause) {
        this("Kafka did not acknowledge the event within " + waited.toMillis() + " ms, so it was not accepted. "
                + "Retry the same delivery later; a retry of an event that was written after all is counted once.", cause);
    }

    private KafkaUnavailableException(final String detail, final Throwable cause) {
        super(Problem.of(503, "kafka-unavailable", "Kafka unavailable", detail), RETRY_AFTER, cause);
    }

    /** Refused before writing: {@code waitingBytes} of earlier deliveries still wait for Kafka's acknowledgement. */
    static KafkaUnavailableException backlog(final long waitingBytes) {
        return new KafkaUnavailableException("Kafka has not yet acknowledged " + waitingBytes / 1024 + " KiB of earlier events, "
                + "so this delivery was not written. Retry the same delivery later.", null);
    }
}
