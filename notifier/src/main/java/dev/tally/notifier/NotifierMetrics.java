package dev.tally.notifier;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The notifier's meters (Prometheus names in brackets). Tags are sink names and statuses only, never a URL:
 * <ul>
 *   <li>{@code tally.notifier.deliveries} [{@code tally_notifier_deliveries_total}] by {@code sink}, {@code outcome}
 *       ({@code delivered}, {@code retried}: an attempt failed and another follows, {@code undelivered}: given up and
 *       written to alerts.undelivered) and {@code status} (the HTTP status, or {@code none})</li>
 *   <li>{@code tally.notifier.delivery.latency} by {@code sink}: from reading an alert to its 2xx, retries included</li>
 *   <li>{@code tally.notifier.attempt.latency} by {@code sink}: one request, answered or not</li>
 *   <li>{@code tally.notifier.outstanding} by {@code sink}: alerts read and not finished (bounded by the sink's queue)</li>
 *   <li>{@code tally.notifier.unreadable} by {@code sink}: records of the alerts topic that are not an alert, skipped</li>
 * </ul>
 */
final class NotifierMetrics {

    private record DeliveryKey(String sink, String outcome, String status) {
    }

    private final MeterRegistry registry;
    private final Map<DeliveryKey, Counter> deliveries = new ConcurrentHashMap<>();
    private final Map<String, Timer> latency = new ConcurrentHashMap<>();
    private final Map<String, Timer> attempts = new ConcurrentHashMap<>();
    private final Map<String, Counter> unreadable = new ConcurrentHashMap<>();

    NotifierMetrics(final MeterRegistry registry) {
        this.registry = registry;
    }

    void outstanding(final String sink, final Supplier<Number> value) {
        Gauge.builder("tally.notifier.outstanding", value).description("Alerts read and not yet delivered or given up")
                .tag("sink", sink).register(registry);
    }

    void delivered(final String sink, final int status, final Duration sinceRead) {
        count(sink, "delivered", status);
        latency.computeIfAbsent(sink, s -> Timer.builder("tally.notifier.delivery.latency")
                .description("From reading an alert to the sink's 2xx, retries included")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(1))
                .tag("sink", s).register(registry)).record(sinceRead);
    }

    void retried(final String sink, final int status) {
        count(sink, "retried", status);
    }

    void undelivered(final String sink, final Integer lastStatus) {
        count(sink, "undelivered", lastStatus == null ? -1 : lastStatus);
    }

    void attempted(final String sink, final Duration took) {
        attempts.computeIfAbsent(sink, s -> Timer.builder("tally.notifier.attempt.latency")
                .description("One request to a sink, answered or not")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1))
                .tag("sink", s).register(registry)).record(took);
    }

    void unreadable(final String sink) {
        unreadable.computeIfAbsent(sink, s -> Counter.builder("tally.notifier.unreadable")
                .description("Records of the alerts topic that are not an alert, skipped").tag("sink", s).register(registry)).increment();
    }

    double count(final String sink, final String outcome) {
        return deliveries.entrySet().stream().filter(e -> e.getKey().sink().equals(sink) && e.getKey().outcome().equals(outcome))
                .mapToDouble(e -> e.getValue().count()).sum();
    }

    private void count(final String sink, final String outcome, final int status) {
        deliveries.computeIfAbsent(new DeliveryKey(sink, outcome, status < 0 ? "none" : String.valueOf(status)),
                k -> Counter.builder("tally.notifier.deliveries").description("Delivery attempts by sink, outcome and status")
                        .tag("sink", k.sink()).tag("outcome", k.outcome()).tag("status", k.status()).register(registry)).increment();
    }
}
