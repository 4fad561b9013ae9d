package dev.tally.gateway;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * PayPal: {@code SHA256withRSA} over {@code transmission_id|transmission_time|webhook_id|crc32(body)}
 * (the CRC in decimal), the signature base64 in {@code PAYPAL-TRANSMISSION-SIG}. The signing
 * certificate is configured, never fetched from the delivery's {@code PAYPAL-CERT-URL}: a URL in the
 * request cannot vouch for the request.
 *
 * @param webhookId the id PayPal shows for this webhook; it is part of what PayPal signs
 */
public record PayPalVerifier(String webhookId, Duration tolerance, List<PublicKey> keys) implements SignatureVerifier {

    private static final String ALGORITHM = "SHA256withRSA";
    private static final String ID = "PAYPAL-TRANSMISSION-ID";
    private static final String TIME = "PAYPAL-TRANSMISSION-TIME";
    private static final String SIGNATURE = "PAYPAL-TRANSMISSION-SIG";
    private static final String AUTH_ALGO = "PAYPAL-AUTH-ALGO";

    public PayPalVerifier {
        keys = List.copyOf(keys);
    }

    @Override
    public int verify(final Delivery delivery) {
        final String algorithm = delivery.header(AUTH_ALGO);
        if (algorithm != null && !algorithm.isBlank() && !algorithm.trim().equals(ALGORITHM)) {
            throw SignatureVerifier.rejected(AUTH_ALGO + " is '" + algorithm + "'; only " + ALGORITHM + " is accepted.");
        }
        final String id = SignatureVerifier.required(delivery, ID);
        final String time = SignatureVerifier.required(delivery, TIME);
        final byte[] signature;
        try {
            signature = Base64.getDecoder().decode(SignatureVerifier.required(delivery, SIGNATURE));
        } catch (IllegalArgumentException e) {
            throw SignatureVerifier.rejected("The " + SIGNATURE + " header is not valid base64.");
        }
        final CRC32 crc = new CRC32();
        crc.update(delivery.body());
        final String content = id + "|" + time + "|" + webhookId + "|" + crc.getValue();
        final int index = PublicKeys.match(ALGORITHM, keys, SignatureVerifier.content(content, new byte[0]), signature);
        if (index < 0) {
            throw SignatureVerifier.rejected("The " + SIGNATURE + " signature does not verify over the transmission id, "
                    + "time, this source's webhook_id and the body's CRC32 with the configured PayPal certificates.");
        }
        Freshness.check(transmissionTime(time), delivery.receivedAt(), tolerance, "The " + TIME + " header");
        return index;
    }

    /** A fresh transmission id; the certificate URL is not sent, since it is never read. */
    @Override
    public Outbound sign(final Outbound unsigned, final Instant at, final PrivateKey privateKey) {
        final String id = UUID.randomUUID().toString();
        final String time = at.toString();
        final CRC32 crc = new CRC32();
        crc.update(unsigned.body());
        final byte[] signature = PublicKeys.sign(ALGORITHM, SignatureVerifier.required(privateKey, "RSA"),
                (id + "|" + time + "|" + webhookId + "|" + crc.getValue()).getBytes(StandardCharsets.UTF_8));
        return unsigned.with(Map.of(ID, id, TIME, time, AUTH_ALGO, ALGORITHM, SIGNATURE, Base64.getEncoder().encodeToString(signature)));
    }

    private static Instant transmissionTime(final String time) {
        try {
            return OffsetDateTime.parse(time).toInstant();
        } catch (DateTimeParseException e) {
            throw SignatureVerifier.rejected("The " + TIME + " header must be an ISO 8601 date-time, not '" + time + "'.");
        }
    }
}
