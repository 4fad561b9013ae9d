package dev.tally.gateway;

import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.tally.config.ConfigException;

/**
 * Standard Webhooks (and Svix, its origin): {@code webhook-id}, {@code webhook-timestamp} and
 * {@code webhook-signature} (or the same names with {@code svix-}). The signed content is
 * {@code id + "." + timestamp + "." + body}; the signature header holds space-separated
 * {@code v1,<base64 HMAC-SHA256>} and {@code v1a,<base64 Ed25519>} entries, any of which may match.
 *
 * <p>Each configured key is either a symmetric secret ({@code whsec_<base64>}, the prefix optional,
 * base64-decoded) or an Ed25519 public key ({@code whpk_<base64 of the raw 32 bytes>}).
 */
public final class StandardWebhooksVerifier implements SignatureVerifier {

    static final String[] ID = {"webhook-id", "svix-id"};
    static final String[] TIMESTAMP = {"webhook-timestamp", "svix-timestamp"};
    private static final String[] SIGNATURE = {"webhook-signature", "svix-signature"};
    private static final String SECRET_PREFIX = "whsec_";
    private static final String PUBLIC_KEY_PREFIX = "whpk_";

    /** One configured key: exactly one of the two is set. */
    private record Key(byte[] secret, PublicKey publicKey) {
    }

    private record Entry(String version, byte[] signature) {
    }

    private final Duration tolerance;
    private final List<Key> keys;

    private StandardWebhooksVerifier(final Duration tolerance, final List<Key> keys) {
        this.tolerance = tolerance;
        this.keys = keys;
    }

    /** @param configured the keys as written in config, in order; {@code where} names each for errors */
    public static StandardWebhooksVerifier of(final Duration tolerance, final List<String> configured, final String where) {
        final List<Key> keys = new ArrayList<>();
        for (int i = 0; i < configured.size(); i++) {
            final String text = configured.get(i);
            try {
                keys.add(text.startsWith(PUBLIC_KEY_PREFIX)
                        ? new Key(null, PublicKeys.ed25519(Base64.getDecoder().decode(text.substring(PUBLIC_KEY_PREFIX.length()))))
                        : new Key(Base64.getDecoder().decode(text.startsWith(SECRET_PREFIX) ? text.substring(SECRET_PREFIX.length()) : text), null));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where + "[" + i + "]: not a Standard Webhooks key: write whsec_<base64 secret> "
                        + "or whpk_<base64 Ed25519 public key> (" + e.getMessage() + ")");
            }
        }
        return new StandardWebhooksVerifier(tolerance, List.copyOf(keys));
    }

    @Override
    public int verify(final Delivery delivery) {
        final String id = header(delivery, ID);
        final String timestamp = header(delivery, TIMESTAMP);
        final List<Entry> entries = entries(header(delivery, SIGNATURE));
        final byte[] content = SignatureVerifier.content(id + "." + timestamp + ".", delivery.body());
        for (int i = 0; i < keys.size(); i++) {
            if (signs(keys.get(i), content, entries)) {
                final Instant signedAt = Freshness.unixSeconds(timestamp, "The webhook-timestamp header");
                Freshness.check(signedAt, delivery.receivedAt(), tolerance, "The webhook-timestamp header");
                return i;
            }
        }
        throw SignatureVerifier.rejected("No signature in webhook-signature matches id.timestamp.body under this source's keys "
                + "(v1 entries are checked against whsec_ secrets, v1a entries against whpk_ public keys).");
    }

    /**
     * Signs with the first configured key: {@code v1} with a {@code whsec_} secret, {@code v1a} with the
     * Ed25519 private key when that key is a {@code whpk_} public key. The message id is the composed
     * {@code webhook-id} (the event id), or a fresh one.
     */
    @Override
    public Outbound sign(final Outbound unsigned, final Instant at, final PrivateKey privateKey) {
        final String id = unsigned.header(ID[0]) == null ? "msg_" + UUID.randomUUID() : unsigned.header(ID[0]);
        final String timestamp = String.valueOf(at.getEpochSecond());
        final byte[] content = SignatureVerifier.content(id + "." + timestamp + ".", unsigned.body());
        final Key first = keys.get(0);
        final String signature = first.secret() != null
                ? "v1," + Base64.getEncoder().encodeToString(HmacKeys.mac(first.secret(), content))
                : "v1a," + Base64.getEncoder().encodeToString(
                        PublicKeys.sign("Ed25519", SignatureVerifier.required(privateKey, "Ed25519"), content));
        return unsigned.with(Map.of(ID[0], id, TIMESTAMP[0], timestamp, SIGNATURE[0], signature));
    }

    /** The first of {@code names} that the delivery has (webhook-… before svix-…), or 401. */
    static String header(final Delivery delivery, final String[] names) {
        for (final String name : names) {
            final String value = delivery.header(name);
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        throw SignatureVerifier.rejected("The " + names[0] + " header (or " + names[1] + ") is missing.");
    }

    private static List<Entry> entries(final String header) {
        final List<Entry> entries = new ArrayList<>();
        for (final String item : header.split(" ")) {
            final int comma = item.indexOf(',');
            if (comma > 0) {
                try {
                    entries.add(new Entry(item.substring(0, comma), Base64.getDecoder().decode(item.substring(comma + 1))));
                } catch (IllegalArgumentException e) {
                    // Not base64, so it cannot match; another entry may still.
                }
            }
        }
        return entries;
    }

    private static boolean signs(final Key key, final byte[] content, final List<Entry> entries) {
        final byte[] mac = key.secret() == null ? null : HmacKeys.mac(key.secret(), content);
        for (final Entry entry : entries) {
            if (mac != null && entry.version().equals("v1") && MessageDigest.isEqual(mac, entry.signature())
                    || key.publicKey() != null && entry.version().equals("v1a")
                    && PublicKeys.verifies("Ed25519", key.publicKey(), content, entry.signature())) {
                return true;
            }
        }
        return false;
    }
}
