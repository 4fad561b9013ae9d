package dev.tally.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Senders that cannot sign (Zapier, IFTTT, simple in-house jobs) but can send a fixed header: a
 * shared token, {@code Authorization: Bearer <token>} by default. Compared in constant time (as
 * SHA-256 digests, so not even the token's length leaks). The body is not covered: anyone holding
 * the token can send any body, and a captured delivery can be replayed.
 */
public final class TokenVerifier implements SignatureVerifier {

    private final String header;
    private final String prefix;
    private final List<byte[]> digests;
    private final String first;

    public TokenVerifier(final String header, final String prefix, final List<byte[]> tokens) {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("at least one token is needed");
        }
        this.header = header;
        this.prefix = prefix;
        this.digests = tokens.stream().map(TokenVerifier::sha256).toList();
        this.first = new String(tokens.get(0), StandardCharsets.UTF_8);
    }

    @Override
    public int verify(final Delivery delivery) {
        final String value = delivery.header(header);
        if (value == null || value.isBlank()) {
            throw SignatureVerifier.rejected("The " + header + " header is missing. Send " + header + ": " + prefix + "<token>.");
        }
        if (!value.startsWith(prefix)) {
            throw SignatureVerifier.rejected("The " + header + " header must start with '" + prefix + "'.");
        }
        final byte[] provided = sha256(value.substring(prefix.length()).trim().getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < digests.size(); i++) {
            if (MessageDigest.isEqual(digests.get(i), provided)) {
                return i;
            }
        }
        throw SignatureVerifier.rejected("The token in " + header + " is not one of this source's tokens.");
    }

    /** The first token in the header; the body is not covered. */
    @Override
    public Outbound sign(final Outbound unsigned, final Instant at, final PrivateKey privateKey) {
        return unsigned.with(Map.of(header, prefix + first));
    }

    static byte[] sha256(final byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable in this JVM", e);
        }
    }
}
