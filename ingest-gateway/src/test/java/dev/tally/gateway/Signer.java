package dev.tally.gateway;

import java.time.Instant;
import java.util.Map;

/**
 * How one sender signs a delivery, written from the sender's documentation independently of the
 * verifier under test. Keys are named by strings: for shared-secret schemes the name is the secret;
 * for public-key schemes it names a key pair the signer generates (or loads) on first use.
 */
interface Signer {

    /** What goes on the wire: the signed headers, and the body (changed only by senders that sign inside it). */
    record Signed(Map<String, String> headers, byte[] body) {
    }

    Signed sign(String key, Instant at, byte[] body);

    /** What the receiving source is configured with to accept {@code key}: the secret, a public key or a certificate. */
    default String configured(final String key) {
        return key;
    }
}
