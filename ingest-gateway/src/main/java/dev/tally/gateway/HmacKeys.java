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
    // Mac.getInstance looks up the provider and init derives the key's pads: done once per thread and
    // secret, not per delivery. doFinal leaves a Mac ready for the next message under the same key.
    private final ThreadLocal<Mac[]> macs;

    HmacKeys(final List<byte[]> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one secret is needed");
        }
        this.keys = secrets.stream().map(s -> new SecretKeySpec(s, ALGORITHM)).toList();
        this.macs = ThreadLocal.withInitial(() -> keys.stream().map(HmacKeys::initialised).toArray(Mac[]::new));
    }

    /**
     * @param candidates the signatures the sender sent (several while the sender rotates)
     * @return the index of the first secret whose MAC of {@code message} equals a candidate, or -1
     */
    int match(final byte[] message, final List<byte[]> candidates) {
        final Mac[] perKey = macs.get();
        for (int i = 0; i < perKey.length; i++) {
            final byte[] expected = perKey[i].doFinal(message);
            for (final byte[] candidate : candidates) {
                if (MessageDigest.isEqual(expected, candidate)) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** The MAC of {@code message} under the first secret: what a sender holding it sends. */
    byte[] first(final byte[] message) {
        return macs.get()[0].doFinal(message);
    }

    static byte[] mac(final byte[] secret, final byte[] message) {
        return initialised(new SecretKeySpec(secret, ALGORITHM)).doFinal(message);
    }

    private static Mac initialised(final SecretKeySpec key) {
        try {
            final Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable in this JVM", e);
        }
    }
}
