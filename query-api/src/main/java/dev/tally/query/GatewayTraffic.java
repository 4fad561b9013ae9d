package dev.tally.query;

import java.util.List;

/**
 * The gateway's deliveries since it started, as the pipeline view shows them: given to the query
 * API by whatever runs a gateway in the same JVM ({@code tally up}); {@link #NONE} where none does.
 * The query API does not depend on the gateway: this is the whole of what it learns of it.
 */
@FunctionalInterface
public interface GatewayTraffic {

    /**
     * @param source     the configured source
     * @param outcome    {@code accepted}, or the reason a delivery was rejected (signature, schema, rate-limited…)
     * @param deliveries how many since the gateway started
     */
    record Line(String source, String outcome, long deliveries) {
    }

    /** No gateway runs in this JVM. */
    GatewayTraffic NONE = List::of;

    List<Line> lines();
}
