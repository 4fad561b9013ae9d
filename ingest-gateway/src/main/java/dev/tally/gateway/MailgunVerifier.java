package dev.tally.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tally.schemas.Json;

/**
 * Mailgun: the signature travels in the JSON body, {@code "signature": {"timestamp", "token",
 * "signature"}}, the last being hex HMAC-SHA256 of {@code timestamp + token} under the account's
 * HTTP webhook signing key. Mailgun signs only these two values, not the event data: the token is
 * single-use, and a replay of it within the dedupe horizon is the same event id, counted once.
 * Mailgun's form posts (legacy webhooks, routes) carry the same three values as form fields.
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
        final JsonNode signature = FormBody.isForm(delivery) ? FormBody.object(delivery) : signatureObject(delivery.body());
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

    /** Adds the signature object to the body, with a fresh single-use token as Mailgun does. */
    @Override
    public Outbound sign(final Outbound unsigned, final Instant at, final PrivateKey privateKey) {
        final byte[] random = new byte[25];
        new SecureRandom().nextBytes(random);
        final String timestamp = String.valueOf(at.getEpochSecond());
        final String token = Encoding.HEX.encode(random);
        final JsonNode root;
        try {
            root = Json.MAPPER.readTree(unsigned.body());
        } catch (IOException e) {
            throw new IllegalArgumentException("a Mailgun body is a JSON object", e);
        }
        if (!(root instanceof ObjectNode body)) {
            throw new IllegalArgumentException("a Mailgun body is a JSON object");
        }
        body.putObject("signature").put("timestamp", timestamp).put("token", token)
                .put("signature", Encoding.HEX.encode(keys.first((timestamp + token).getBytes(StandardCharsets.UTF_8))));
        return unsigned.withBody(JsonBody.bytes(body));
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
            throw SignatureVerifier.rejected("The body's signature." + name + " (a form's " + name + " field) is missing.");
        }
        return value.asText();
    }
}
