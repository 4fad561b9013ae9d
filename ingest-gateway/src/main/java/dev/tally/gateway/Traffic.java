package dev.tally.gateway;

/**
 * One line of the gateway's traffic since it started, from its own meters: deliveries of a source
 * accepted (outcome {@value #ACCEPTED}) or rejected for a reason (signature, schema, rate-limited…).
 */
public record Traffic(String source, String outcome, long deliveries) {

    public static final String ACCEPTED = "accepted";
}
