package dev.tally.notifier;

import java.util.Base64;

/**
 * A Standard Webhooks signing secret: {@code whsec_} followed by the base64 of 24 to 64 random bytes
 * (the prefix may be left out). Holds the key bytes only; {@link #toString()} never shows them.
 */
public final class WebhookSecret {

    static final String PREFIX = "whsec_";
    private static final int MIN_BYTES = 24;
    private static final int MAX_BYTES = 64;

    private final byte[] key;

    private WebhookSecret(final byte[] key) {
        this.key = key;
    }

    /**
     * @param text  the secret as written: {@code whsec_<base64>}
     * @param where where it was read from, for the error message (such as {@code env OPS_SECRET}); never the value
     * @throws IllegalArgumentException when it is not base64 of 24 to 64 bytes
     */
    public static WebhookSecret parse(final String text, final String where) {
        final String base64 = text.strip().startsWith(PREFIX) ? text.strip().substring(PREFIX.length()) : text.strip();
        final byte[] key;
        try {
            key = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the secret in " + where + " is not whsec_ followed by base64");
        }
        if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
            throw new IllegalArgumentException("the secret in " + where + " holds " + key.length
                    + " bytes; Standard Webhooks secrets hold " + MIN_BYTES + " to " + MAX_BYTES);
        }
        return new WebhookSecret(key);
    }

    byte[] key() {
        return key.clone();
    }

    @Override
    public String toString() {
        return PREFIX + "[redacted]";
    }
}
