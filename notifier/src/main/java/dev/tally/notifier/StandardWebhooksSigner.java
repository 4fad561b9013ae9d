package dev.tally.notifier;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a request the Standard Webhooks way (spec v1): HMAC-SHA256 with the secret's key over
 * {@code webhook-id.webhook-timestamp.body}, sent as {@code webhook-signature: v1,<base64>}.
 */
public final class StandardWebhooksSigner {

    public static final String ID_HEADER = "webhook-id";
    public static final String TIMESTAMP_HEADER = "webhook-timestamp";
    public static final String SIGNATURE_HEADER = "webhook-signature";

    private final SecretKeySpec key;

    public StandardWebhooksSigner(final WebhookSecret secret) {
        this.key = new SecretKeySpec(secret.key(), "HmacSHA256");
    }

    /** The {@code webhook-signature} value for this id, timestamp (epoch seconds) and body. */
    public String sign(final String webhookId, final long timestampSeconds, final byte[] body) {
        final Mac mac;
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
        mac.update((webhookId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
        return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    }
}
