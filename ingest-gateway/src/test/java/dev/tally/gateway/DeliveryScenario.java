package dev.tally.gateway;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds a delivery signed as a scheme's sender signs it, then breaks it one rule at a time:
 * {@code DeliveryScenario.valid(signer).withOldTimestamp().build()}.
 */
final class DeliveryScenario {

    static final String SECRET = "current-secret";
    static final String OLD_SECRET = "previous-secret";
    static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    static final Duration TOLERANCE = Duration.ofMinutes(5);

    private final Signer signer;
    private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final Set<String> removed = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    private String body = """
            {"event_id":"evt-1","event_type":"order.created","timestamp":"2026-11-22T09:59:58Z","schema_version":"1","payload":{"plan":"pro"}}""";
    private String key = SECRET;
    private Instant signedAt = NOW.minusSeconds(2);
    private Instant receivedAt = NOW;

    private DeliveryScenario(final Signer signer) {
        this.signer = signer;
    }

    /** A canonical body signed for the generic hmac scheme with its defaults. */
    static DeliveryScenario valid() {
        return valid(Signers.bodyHmac("X-Signature", "sha256=", Encoding.HEX));
    }

    static DeliveryScenario valid(final Signer signer) {
        return new DeliveryScenario(signer);
    }

    DeliveryScenario withBody(final String newBody) {
        this.body = newBody;
        return this;
    }

    DeliveryScenario signedWith(final String newKey) {
        this.key = newKey;
        return this;
    }

    DeliveryScenario signedAt(final Instant time) {
        this.signedAt = time;
        return this;
    }

    /** Received (and signed) at {@code time} instead of {@link #NOW}: the same body then has other event times relative to its receipt. */
    DeliveryScenario receivedAt(final Instant time) {
        this.receivedAt = time;
        this.signedAt = time;
        return this;
    }

    DeliveryScenario withOldTimestamp() {
        return signedAt(NOW.minus(TOLERANCE).minusSeconds(1));
    }

    DeliveryScenario withFutureTimestamp() {
        return signedAt(NOW.plus(TOLERANCE).plusSeconds(1));
    }

    /** Sets (or replaces) a header after signing. */
    DeliveryScenario withHeader(final String name, final String value) {
        headers.put(name, value);
        return this;
    }

    /** Leaves a header out after signing. */
    DeliveryScenario without(final String name) {
        removed.add(name);
        return this;
    }

    /** Signs the current body, then swaps in {@code tampered} as the bytes that arrive. */
    Delivery tamperedTo(final String tampered) {
        final Delivery original = build();
        return new Delivery(original.headers(), tampered.getBytes(StandardCharsets.UTF_8), receivedAt);
    }

    Delivery build() {
        final Signer.Signed signed = signer.sign(key, signedAt, body.getBytes(StandardCharsets.UTF_8));
        final Map<String, String> all = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        all.putAll(signed.headers());
        all.putAll(headers);
        all.keySet().removeAll(removed);
        return new Delivery(all::get, signed.body(), receivedAt);
    }
}
