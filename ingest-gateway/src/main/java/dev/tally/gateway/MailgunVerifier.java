package dev.tally.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tally.schemas.Json;

/**
 * Mailgun: the signature travels in the JSON body, {@code "signature": {"timestamp", "token",
 * "signature"}}, the last being hex HMAC-SHA256 of {@code timestamp + token} under the account's
 * HTTP webhook signing key. Mailgun signs only these two values, not the event data: the token is
 * single-use, and a replay of it within the dedupe horizon is the same event id, counted once.
 */
public final class MailgunVerifier implements SignatureVerifier {

    private final Duration tolerance;
    private final HmacKeys keys;

    public MailgunVerifier(final Duration tolerance, final List<byte[]> secrets) {
        this.tolerance = tolerance;
        this.keys = new HmacKeys(secrets);
    }

    @Override
    public int verify(final Delivery delivery) {
        final JsonNode signature = signatureObject(delivery.body());
        final String timestamp = field(signature, "timestamp");
        final String token = field(signature, "token");
        final byte[] provided;
        try {
            provided = Encoding.HEX.decode(field(signature, "signature"));
        } catch (IllegalArgumentException e) {
            throw SignatureVerifier.rejected("The body's signature.signature is not hex.");
        }
        final int index = keys.match((timestamp + token).getBytes(StandardCharsets.UTF_8), List.of(provided));
        if (index < 0) {
            throw SignatureVerifier.rejected("The body's signature.signature does not match signature.timestamp and "
                    + "signature.token under this source's Mailgun webhook signing keys.");
        }
        final Instant signedAt = Freshness.unixSeconds(timestamp, "The body's signature.timestamp");
        Freshness.check(signedAt, delivery.receivedAt(), tolerance, "The body's signature.timestamp");
        return index;
    }

    private static JsonNode signatureObject(final byte[] body) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            root = null;
        }
        if (root == null || !root.path("signature").isObject()) {
            throw SignatureVerifier.rejected("The body has no signature object; Mailgun sends "
                    + "{\"signature\": {\"timestamp\", \"token\", \"signature\"}, \"event-data\": {…}} as JSON.");
        }
        return root.get("signature");
    }

    private static String field(final JsonNode signature, final String name) {
        final JsonNode value = signature.get(name);
        if (value == null || !value.isValueNode() || value.asText().isBlank()) {
            throw SignatureVerifier.rejected("The body's signature." + name + " is missing.");
        }
        return value.asText();
    }
}
