package dev.tally.gateway;

import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/** How a signature is written in a header: lowercase hex or standard base64. */
public enum Encoding {
    HEX,
    BASE64;

    /** @throws IllegalArgumentException when {@code text} is not valid in this encoding */
    public byte[] decode(final String text) {
        return this == HEX ? HexFormat.of().parseHex(text) : Base64.getDecoder().decode(text);
    }

    public String encode(final byte[] bytes) {
        return this == HEX ? HexFormat.of().formatHex(bytes) : Base64.getEncoder().encodeToString(bytes);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
