package dev.tally.gateway;

import java.util.List;
import java.util.Map;

import dev.tally.schemas.Envelope;

/**
 * What a verified delivery leads to: events to write to Kafka before answering 202, or a handshake
 * (Slack's url_verification, Discord's PING) answered at once with 200 and nothing written.
 */
public sealed interface Outcome {

    /** The events a delivery carries (one for most senders, many for batches such as SendGrid's). */
    record Events(List<Envelope> events) implements Outcome {
        public Events {
            events = List.copyOf(events);
        }
    }

    /** The JSON body the sender expects in answer to its handshake. */
    record Reply(Map<String, Object> body) implements Outcome {
        public Reply {
            body = Map.copyOf(body);
        }
    }
}
