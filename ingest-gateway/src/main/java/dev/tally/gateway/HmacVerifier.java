package dev.tally.gateway;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;

/**
 * The generic {@code hmac} scheme: {@code <header>: <prefix><HMAC-SHA256(secret, raw body)>}, the
 * MAC written as lowercase hex (default) or base64. By default {@code X-Signature: sha256=<hex>}.
 * Every configured secret is tried, so a secret can be rotated without downtime.
 */
public final class HmacVerifier implements SignatureVerifier {

    private static final String ALGORITHM = "HmacSHA256";

    /** How the MAC is written in the header. */
    public enum Encoding { HEX, BASE64 }

    private final String header;
    private final String prefix;
    private final Encoding encoding;
    private final List<SecretKeySpec> keys;

    public HmacVerifier(final String header, final String prefix, final Encoding encoding, final List<byte[]> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one secret is needed");
        }
        this.header = header;
        this.prefix = prefix;
        this.encoding = encoding;
        this.keys = secrets.stream().map(s -> new SecretKeySpec(s, ALGORITHM)).toList();
    }

    @Override
    public int verify(final Delivery delivery) {
        final String value = delivery.header(header);
        if (value == null || value.isBlank()) {
            throw rejected("The " + header + " header is missing. Sign the raw request body with HMAC-SHA256 and send "
                    + header + ": " + prefix + "<" + encoding.name().toLowerCase(Locale.ROOT) + " digest>.");
        }
        if (!value.startsWith(prefix)) {
            throw rejected("The " + header + " header must start with '" + prefix + "'.");
        }
        final byte[] provided = decode(value.substring(prefix.length()).trim());
        for (int i = 0; i < keys.size(); i++) {
            if (MessageDigest.isEqual(mac(keys.get(i), delivery.body()), provided)) {
                return i;
            }
        }
        throw rejected("The signature in " + header + " does not match the body. Sign the exact raw bytes you send, "
                + "with this source's secret, using HMAC-SHA256.");
    }

    /** The header value a sender would send for {@code body}: used by tests and the README example. */
    public static String sign(final byte[] secret, final byte[] body) {
        return "sha256=" + HexFormat.of().formatHex(mac(new SecretKeySpec(secret, ALGORITHM), body));
    }

    private byte[] decode(final String digest) {
        try {
            return encoding == Encoding.HEX ? HexFormat.of().parseHex(digest) : Base64.getDecoder().decode(digest);
        } catch (IllegalArgumentException e) {
            throw rejected("The signature in " + header + " is not valid " + encoding.name().toLowerCase(Locale.ROOT) + ".");
        }
    }

    private static byte[] mac(final SecretKeySpec key, final byte[] body) {
        try {
            final Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable in this JVM", e);
        }
    }

    static ProblemException rejected(final String detail) {
        return new ProblemException(Problem.of(401, "bad-signature", "Signature verification failed", detail));
    }
}
