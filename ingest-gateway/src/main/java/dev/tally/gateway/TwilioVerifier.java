package dev.tally.gateway;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Twilio: {@code X-Twilio-Signature} is the base64 HMAC-SHA1, under the account's auth token, of the
 * full URL Twilio called followed by every form parameter, sorted by name, each name immediately
 * followed by its value (Twilio's "Validating Requests"). The URL is the source's {@code public_url}:
 * the one pasted in Twilio's console, query string included, because a proxy in front of the gateway
 * changes what the gateway itself sees. Sorting makes the order of the fields irrelevant; a changed
 * name or value fails. Twilio signs no time: a replay is the same event, dropped by the dedupe.
 */
public final class TwilioVerifier implements SignatureVerifier {

    static final String HEADER = "X-Twilio-Signature";
    private static final String ALGORITHM = "HmacSHA1";

    private final String publicUrl;
    private final List<SecretKeySpec> tokens;

    public TwilioVerifier(final String publicUrl, final List<byte[]> authTokens) {
        this.publicUrl = publicUrl;
        this.tokens = authTokens.stream().map(t -> new SecretKeySpec(t, ALGORITHM)).toList();
    }

    @Override
    public int verify(final Delivery delivery) {
        final byte[] provided;
        try {
            provided = Base64.getDecoder().decode(SignatureVerifier.required(delivery, HEADER));
        } catch (IllegalArgumentException e) {
            throw SignatureVerifier.rejected("The " + HEADER + " header is not valid base64.");
        }
        final byte[] content = signed(publicUrl, FormBody.fields(delivery.body()));
        for (int i = 0; i < tokens.size(); i++) {
            if (MessageDigest.isEqual(mac(tokens.get(i), content), provided)) {
                return i;
            }
        }
        throw SignatureVerifier.rejected("The " + HEADER + " signature does not match this source's public_url and the form "
                + "parameters under its auth tokens. public_url must be exactly the URL configured in Twilio, query string included.");
    }

    @Override
    public Outbound sign(final Outbound unsigned, final Instant at, final PrivateKey privateKey) {
        return unsigned.with(Map.of(HEADER, Base64.getEncoder().encodeToString(
                mac(tokens.get(0), signed(publicUrl, FormBody.fields(unsigned.body()))))));
    }

    /** The URL, then each parameter's name and value, sorted by name (and a repeated name's values by value). */
    static byte[] signed(final String url, final List<Map.Entry<String, String>> fields) {
        final List<Map.Entry<String, String>> sorted = new ArrayList<>(fields);
        sorted.sort(Map.Entry.<String, String>comparingByKey().thenComparing(Map.Entry.comparingByValue(Comparator.naturalOrder())));
        final StringBuilder text = new StringBuilder(url);
        sorted.forEach(f -> text.append(f.getKey()).append(f.getValue()));
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] mac(final SecretKeySpec key, final byte[] content) {
        try {
            final Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(content);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA1 is unavailable in this JVM", e);
        }
    }
}
