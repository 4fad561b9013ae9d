package dev.tally.gateway;

import java.time.Instant;
import java.util.function.UnaryOperator;

/**
 * One HTTP delivery as it arrived: the raw body bytes, exactly as the sender signed them, and the
 * request headers (looked up case-insensitively).
 */
public record Delivery(UnaryOperator<String> headers, byte[] body, Instant receivedAt) {

    public String header(final String name) {
        return headers.apply(name);
    }
}
