package dev.tally.notifier;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The {@code webhook-id} of an alert: derived from its record key on the alerts topic alone, so every
 * attempt, every restart and every notifier instance sends the same id for the same alert, and a
 * receiver can drop repeats by it.
 */
public final class WebhookId {

    private WebhookId() {
    }

    /** {@code alert_} and the first 16 bytes of the SHA-256 of the record key, in hex. */
    public static String of(final String alertKey) {
        try {
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(alertKey.getBytes(StandardCharsets.UTF_8));
            return "alert_" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
