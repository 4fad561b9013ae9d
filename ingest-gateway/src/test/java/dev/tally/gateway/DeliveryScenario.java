package dev.tally.gateway;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** Builds a delivery signed as the hmac scheme expects, then breaks it one rule at a time. */
final class DeliveryScenario {

    static final String SECRET = "current-secret";
    static final String OLD_SECRET = "previous-secret";
    static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private String body = """
            {"event_id":"evt-1","event_type":"order.created","timestamp":"2026-11-22T09:59:58Z","schema_version":"1","payload":{"plan":"pro"}}""";
    private String secret = SECRET;
    private boolean signed = true;

    static DeliveryScenario valid() {
        return new DeliveryScenario();
    }

    DeliveryScenario withBody(final String newBody) {
        this.body = newBody;
        return this;
    }

    DeliveryScenario signedWith(final String newSecret) {
        this.secret = newSecret;
        return this;
    }

    DeliveryScenario withHeader(final String name, final String value) {
        headers.put(name, value);
        return this;
    }

    DeliveryScenario unsigned() {
        this.signed = false;
        return this;
    }

    /** Signs the current body, then swaps in {@code tampered} as the bytes that arrive. */
    Delivery tamperedTo(final String tampered) {
        final Delivery original = build();
        return new Delivery(original.headers(), tampered.getBytes(StandardCharsets.UTF_8), NOW);
    }

    Delivery build() {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        final Map<String, String> all = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (signed) {
            all.put("X-Signature", HmacVerifier.sign(secret.getBytes(StandardCharsets.UTF_8), bytes));
        }
        all.putAll(headers);
        return new Delivery(all::get, bytes, NOW);
    }
}
