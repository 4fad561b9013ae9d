package dev.tally.gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The gateway's own meters, scraped at {@code GET /metrics} (Prometheus names in brackets):
 * <ul>
 *   <li>{@code tally.gateway.requests} [{@code tally_gateway_requests_total}] by {@code source} and {@code status};
 *       a path naming no configured source counts as source {@code unknown}, so senders cannot add series</li>
 *   <li>{@code tally.gateway.rejections} by {@code source} and {@code reason}: signature, schema, body-too-large,
 *       content-type, rate-limited, ip-not-allowed, bad-request</li>
 *   <li>{@code tally.gateway.produce.latency}: time from handing a delivery's events to the producer to
 *       Kafka's acknowledgement, a histogram, by {@code outcome} (acked or failed)</li>
 *   <li>{@code tally.gateway.requests.in_flight}: deliveries being handled now</li>
 *   <li>{@code tally.gateway.rejected_topic} by {@code outcome}: rejections written to {@code webhooks.rejected},
 *       or left out by its sampling ({@code sampled_out}), a full queue ({@code dropped}) or a failed write ({@code failed})</li>
 * </ul>
 */
final class GatewayMetrics {

    static final String UNKNOWN_SOURCE = "unknown";

    private record RequestKey(String source, int status) {
    }

    private record RejectionKey(String source, String reason) {
    }

    private final MeterRegistry registry;
    private final AtomicInteger inFlight = new AtomicInteger();
    // Each meter is registered once and then found here: registering again on every delivery would build its id and look it up in the registry.
    private final Map<RequestKey, Counter> requests = new ConcurrentHashMap<>();
    private final Map<RejectionKey, Counter> rejections = new ConcurrentHashMap<>();
    private final Map<Boolean, Timer> produceLatency = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejectedTopic = new ConcurrentHashMap<>();

    GatewayMetrics(final MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("tally.gateway.requests.in_flight", inFlight);
    }

    MeterRegistry registry() {
        return registry;
    }

    void started() {
        inFlight.incrementAndGet();
    }

    void finished(final String source, final int status) {
        inFlight.decrementAndGet();
        requests.computeIfAbsent(new RequestKey(source, status), k -> Counter.builder("tally.gateway.requests")
                .description("Deliveries answered, by source and HTTP status")
                .tag("source", k.source()).tag("status", String.valueOf(k.status())).register(registry)).increment();
    }

    void rejected(final String source, final String reason) {
        rejections.computeIfAbsent(new RejectionKey(source, reason), k -> Counter.builder("tally.gateway.rejections")
                .description("Deliveries refused, by source and reason")
                .tag("source", k.source()).tag("reason", k.reason()).register(registry)).increment();
    }

    /** Accepted (2xx) deliveries by source, then rejected ones by source and reason: what the counters say now. */
    List<Traffic> traffic() {
        final Map<String, Long> accepted = new TreeMap<>();
        requests.forEach((k, c) -> {
            if (k.status() >= 200 && k.status() < 300) {
                accepted.merge(k.source(), (long) c.count(), Long::sum);
            }
        });
        final List<Traffic> traffic = new ArrayList<>();
        accepted.forEach((source, n) -> traffic.add(new Traffic(source, Traffic.ACCEPTED, n)));
        rejections.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(Comparator.comparing(RejectionKey::source).thenComparing(RejectionKey::reason)))
                .forEach(e -> traffic.add(new Traffic(e.getKey().source(), e.getKey().reason(), (long) e.getValue().count())));
        return traffic;
    }

    void produced(final Duration latency, final boolean acked) {
        produceLatency.computeIfAbsent(acked, a -> Timer.builder("tally.gateway.produce.latency")
                .description("From send to Kafka's acknowledgement of a delivery's events")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .tag("outcome", a ? "acked" : "failed").register(registry)).record(latency);
    }

    void rejectedTopic(final String outcome) {
        rejectedTopic.computeIfAbsent(outcome, o -> Counter.builder("tally.gateway.rejected_topic")
                .description("Rejections written to webhooks.rejected or left out")
                .tag("outcome", o).register(registry)).increment();
    }
}
