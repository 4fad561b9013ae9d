package dev.tally.gateway;

import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * HMAC-SHA256 of the raw body, sent in one header as {@code <prefix><digest>}: the generic
 * {@code hmac} scheme ({@code X-Signature: sha256=<hex>} by default) and the senders that sign the
 * same way under other header names (GitHub, Jira, Shopify, WooCommerce).
 *
 * <p>With a {@link Timestamp}, the sender also signs the time of sending, read from a header and
 * placed before the body ({@code ts + "." + body} for {@code hmac}, {@code "v0:" + ts + ":" + body}
 * for Slack); a time outside the tolerance is refused. Every configured secret is tried, so a
 * secret can be rotated without downtime.
 */
public final class HmacVerifier implements SignatureVerifier {

    /** A signed timestamp: its header, the text around it before the body, and the replay window. */
    public record Timestamp(String header, String before, String after, Duration tolerance) {

        byte[] content(final String value, final byte[] body) {
            return SignatureVerifier.content(before + value + after, body);
        }
    }

    private final String header;
    private final String prefix;
    private final Encoding encoding;
    private final Timestamp timestamp;
    private final HmacKeys keys;

    public HmacVerifier(final String header, final String prefix, final Encoding encoding, final List<byte[]> secrets) {
        this(header, prefix, encoding, null, secrets);
    }

    /** @param timestamp null when the sender signs the body alone */
    public HmacVerifier(final String header, final String prefix, final Encoding encoding, final Timestamp timestamp,
                        final List<byte[]> secrets) {
        this.header = header;
        this.prefix = prefix;
        this.encoding = encoding;
        this.timestamp = timestamp;
        this.keys = new HmacKeys(secrets);
    }

    @Override
    public int verify(final Delivery delivery) {
        final String value = delivery.header(header);
        if (value == null || value.isBlank()) {
            throw SignatureVerifier.rejected("The " + header + " header is missing. Sign the "
                    + (timestamp == null ? "" : "timestamp and the ") + "raw request body with HMAC-SHA256 and send "
                    + header + ": " + prefix + "<" + encoding + " digest>.");
        }
        if (!value.startsWith(prefix)) {
            throw SignatureVerifier.rejected("The " + header + " header must start with '" + prefix + "'.");
        }
        final byte[] provided;
        try {
            provided = encoding.decode(value.substring(prefix.length()).trim());
        } catch (IllegalArgumentException e) {
            throw SignatureVerifier.rejected("The signature in " + header + " is not valid " + encoding + ".");
        }
        if (timestamp == null) {
            return matching(delivery.body(), provided);
        }
        final String signedAt = SignatureVerifier.required(delivery, timestamp.header());
        final int index = matching(timestamp.content(signedAt, delivery.body()), provided);
        final Instant time = Freshness.unixSeconds(signedAt, "The " + timestamp.header() + " header");
        Freshness.check(time, delivery.receivedAt(), timestamp.tolerance(), "The " + timestamp.header() + " header");
        return index;
    }

    @Override
    public Outbound sign(final Outbound unsigned, final Instant at, final PrivateKey privateKey) {
        if (timestamp == null) {
            return unsigned.with(Map.of(header, prefix + encoding.encode(keys.first(unsigned.body()))));
        }
        final String signedAt = String.valueOf(at.getEpochSecond());
        return unsigned.with(Map.of(timestamp.header(), signedAt,
                header, prefix + encoding.encode(keys.first(timestamp.content(signedAt, unsigned.body())))));
    }

    /** The header value a sender would send for {@code body}: used by tests and the README example. */
    public static String sign(final byte[] secret, final byte[] body) {
        return "sha256=" + Encoding.HEX.encode(HmacKeys.mac(secret, body));
    }

    private int matching(final byte[] content, final byte[] provided) {
        final int index = keys.match(content, List.of(provided));
        if (index < 0) {
            throw SignatureVerifier.rejected("The signature in " + header + " does not match the "
                    + (timestamp == null ? "body" : timestamp.header() + " header and the body")
                    + ". Sign the exact raw bytes you send, with this source's secret, using HMAC-SHA256.");
        }
        return index;
    }
}
