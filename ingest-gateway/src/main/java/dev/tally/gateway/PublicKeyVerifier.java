package dev.tally.gateway;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Senders that sign {@code timestamp + body} with a private key and send the signature and the
 * timestamp in two headers: Discord (Ed25519, hex) and SendGrid (ECDSA P-256 with SHA-256, base64
 * DER). The receiver holds only public keys; each configured one is tried, for rotation.
 *
 * @param signatureHeader where the signature is
 * @param encoding        how the signature is written
 * @param timestampHeader where the signed unix-seconds timestamp is
 * @param algorithm       the JDK {@link java.security.Signature} algorithm
 */
public record PublicKeyVerifier(String signatureHeader, Encoding encoding, String timestampHeader, String algorithm,
                                Duration tolerance, List<PublicKey> keys) implements SignatureVerifier {

    public PublicKeyVerifier {
        keys = List.copyOf(keys);
    }

    @Override
    public int verify(final Delivery delivery) {
        final byte[] signature;
        try {
            signature = encoding.decode(SignatureVerifier.required(delivery, signatureHeader));
        } catch (IllegalArgumentException e) {
            throw SignatureVerifier.rejected("The " + signatureHeader + " header is not valid " + encoding + ".");
        }
        final String timestamp = SignatureVerifier.required(delivery, timestampHeader);
        final int index = PublicKeys.match(algorithm, keys, SignatureVerifier.content(timestamp, delivery.body()), signature);
        if (index < 0) {
            throw SignatureVerifier.rejected("The " + signatureHeader + " signature does not verify over " + timestampHeader
                    + " and the body with this source's public keys (" + algorithm + ").");
        }
        final Instant signedAt = Freshness.unixSeconds(timestamp, "The " + timestampHeader + " header");
        Freshness.check(signedAt, delivery.receivedAt(), tolerance, "The " + timestampHeader + " header");
        return index;
    }

    @Override
    public Outbound sign(final Outbound unsigned, final Instant at, final PrivateKey privateKey) {
        final String timestamp = String.valueOf(at.getEpochSecond());
        final byte[] signature = PublicKeys.sign(algorithm, SignatureVerifier.required(privateKey, algorithm),
                SignatureVerifier.content(timestamp, unsigned.body()));
        return unsigned.with(Map.of(timestampHeader, timestamp, signatureHeader, encoding.encode(signature)));
    }
}
