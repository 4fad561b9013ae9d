package dev.tally.gateway;

import java.time.Duration;

import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;

/** Kafka did not acknowledge a delivery in time: the gateway answers 503 with Retry-After. */
public final class KafkaUnavailableException extends ProblemException {

    public KafkaUnavailableException(final Duration waited, final Throwable cause) {
        super(Problem.of(503, "kafka-unavailable", "Kafka unavailable",
                "Kafka did not acknowledge the event within " + waited.toMillis() + " ms, so it was not accepted. "
                        + "Retry the same delivery later; a retry of an event that was written after all is counted once."),
                Duration.ofSeconds(5), cause);
    }
}
