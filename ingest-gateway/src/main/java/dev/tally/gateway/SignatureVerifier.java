package dev.tally.gateway;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Instant;

import dev.tally.config.ConfigException;
import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;

/**
 * Checks that a delivery was signed by the sender, on the raw bytes, in constant time; and signs
 * one as the sender does ({@code tally send}, tests), from the same definition. One implementation
 * per signature scheme (or per family of schemes that share the algorithm).
 */
public interface SignatureVerifier {

    /**
     * @return the index of the configured secret or key that matched (logged and put in a record
     *         header, so an operator can see when the old secret of a rotation stops being used)
     * @throws dev.tally.schemas.ProblemException with status 401 telling the sender what is wrong
     */
    int verify(Delivery delivery);

    /**
     * Signs {@code unsigned} as this scheme's senders do at {@code at}: adds the signature headers (for
     * Mailgun, the signature object in the body). Shared-secret schemes sign with the first configured
     * secret and ignore {@code privateKey}; schemes verified by public keys sign with it.
     *
     * @throws ConfigException when the scheme needs a private key and {@code privateKey} is null
     */
    Outbound sign(Outbound unsigned, Instant at, PrivateKey privateKey);

    /** {@code privateKey}, or a ConfigException saying this scheme needs the sender's private key. */
    static PrivateKey required(final PrivateKey privateKey, final String algorithm) {
        if (privateKey == null) {
            throw new ConfigException("this source's scheme verifies with public keys: signing needs the sender's "
                    + algorithm + " private key (PKCS#8 PEM)");
        }
        return privateKey;
    }

    /** The 401 every scheme answers with; {@code detail} says what to fix, never a secret. */
    static ProblemException rejected(final String detail) {
        return new ProblemException(Problem.of(401, "bad-signature", "Signature verification failed", detail));
    }

    /** A header's value, or a 401 naming the header when it is missing or blank. */
    static String required(final Delivery delivery, final String header) {
        final String value = delivery.header(header);
        if (value == null || value.isBlank()) {
            throw rejected("The " + header + " header is missing.");
        }
        return value.trim();
    }

    /** What most senders sign: some UTF-8 text (a timestamp, an id) followed by the raw body bytes. */
    static byte[] content(final String head, final byte[] body) {
        final byte[] start = head.getBytes(StandardCharsets.UTF_8);
        final byte[] all = new byte[start.length + body.length];
        System.arraycopy(start, 0, all, 0, start.length);
        System.arraycopy(body, 0, all, start.length, body.length);
        return all;
    }
}
