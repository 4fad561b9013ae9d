package dev.tally.gateway;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** A source's HMAC-SHA256 secrets, in configured order, and the constant-time check against them. */
final class HmacKeys {

    private static final String ALGORITHM = "HmacSHA256";

    private final List<SecretKeySpec> keys;

    HmacKeys(final List<byte[]> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one secret is needed");
        }
        this.keys = secrets.stream().map(s -> new SecretKeySpec(s, ALGORITHM)).toList();
    }

    /**
     * @param candidates the signatures the sender sent (several while the sender rotates)
     * @return the index of the first secret whose MAC of {@code message} equals a candidate, or -1
     */
    int match(final byte[] message, final List<byte[]> candidates) {
        for (int i = 0; i < keys.size(); i++) {
            final byte[] expected = mac(keys.get(i), message);
            for (final byte[] candidate : candidates) {
                if (MessageDigest.isEqual(expected, candidate)) {
                    return i;
                }
            }
        }
        return -1;
    }

    static byte[] mac(final byte[] secret, final byte[] message) {
        return mac(new SecretKeySpec(secret, ALGORITHM), message);
    }

    private static byte[] mac(final SecretKeySpec key, final byte[] message) {
        try {
            final Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(message);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable in this JVM", e);
        }
    }
}
