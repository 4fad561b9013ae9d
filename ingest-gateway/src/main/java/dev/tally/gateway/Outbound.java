package dev.tally.gateway;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A delivery as a sender puts it on the wire: its headers and body bytes. Each scheme's mapper
 * {@link EventMapper#compose composes} one from an event and its verifier {@link SignatureVerifier#sign
 * signs} it, so {@code tally send} sends exactly what the gateway checks.
 */
public record Outbound(Map<String, String> headers, byte[] body) {

    public Outbound {
        headers = Map.copyOf(headers);
    }

    /** These headers and {@code more}, a header of {@code more} replacing one of the same name. */
    public Outbound with(final Map<String, String> more) {
        final Map<String, String> all = new LinkedHashMap<>(headers);
        all.putAll(more);
        return new Outbound(all, body);
    }

    public Outbound withBody(final byte[] newBody) {
        return new Outbound(headers, newBody);
    }

    /** The header named {@code name}, case-insensitively, or null. */
    public String header(final String name) {
        for (final Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return h.getValue();
            }
        }
        return null;
    }
}
