package dev.tally.gateway;

import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stripe: {@code Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]}, each {@code v1} an
 * HMAC-SHA256 of {@code t + "." + body} under the endpoint's signing secret (the whole
 * {@code whsec_…} string as UTF-8). Stripe sends several {@code v1} while its secret rotates; any
 * may match. {@code v0} (test-mode legacy) and unknown schemes are ignored.
 */
public final class StripeVerifier implements SignatureVerifier {

    private static final String HEADER = "Stripe-Signature";

    private final Duration tolerance;
    private final HmacKeys keys;

    public StripeVerifier(final Duration tolerance, final List<byte[]> secrets) {
        this.tolerance = tolerance;
        this.keys = new HmacKeys(secrets);
    }

    @Override
    public int verify(final Delivery delivery) {
        String timestamp = null;
        final List<byte[]> signatures = new ArrayList<>();
        for (final String item : SignatureVerifier.required(delivery, HEADER).split(",")) {
            final String[] pair = item.trim().split("=", 2);
            if (pair.length == 2 && pair[0].equals("t")) {
                timestamp = pair[1];
            } else if (pair.length == 2 && pair[0].equals("v1")) {
                try {
                    signatures.add(Encoding.HEX.decode(pair[1]));
                } catch (IllegalArgumentException e) {
                    // Not hex, so it cannot match; another v1 may still.
                }
            }
        }
        if (timestamp == null || signatures.isEmpty()) {
            throw SignatureVerifier.rejected("The " + HEADER + " header needs t=<unix seconds> and at least one v1=<hex HMAC-SHA256>.");
        }
        final int index = keys.match(SignatureVerifier.content(timestamp + ".", delivery.body()), signatures);
        if (index < 0) {
            throw SignatureVerifier.rejected("No v1 signature in " + HEADER + " matches t and the body under this source's "
                    + "signing secrets (the whole whsec_… string of the endpoint).");
        }
        final Instant signedAt = Freshness.unixSeconds(timestamp, "The t= timestamp of " + HEADER);
        Freshness.check(signedAt, delivery.receivedAt(), tolerance, "The t= timestamp of " + HEADER);
        return index;
    }

    @Override
    public Outbound sign(final Outbound unsigned, final Instant at, final PrivateKey privateKey) {
        final String t = String.valueOf(at.getEpochSecond());
        return unsigned.with(Map.of(HEADER, "t=" + t + ",v1="
                + Encoding.HEX.encode(keys.first(SignatureVerifier.content(t + ".", unsigned.body())))));
    }
}
