package dev.tally.gateway;

import java.net.InetAddress;
import java.net.UnknownHostException;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * An address range in CIDR notation ({@code 192.30.252.0/22}, {@code 2001:db8::/32}); a bare address
 * is a range of one. IPv4 and IPv6 never match each other, except IPv4-mapped IPv6 addresses, which
 * Java reads as IPv4.
 */
public record IpRange(byte[] network, int prefix, String text) {

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static IpRange parse(final String cidr) {
        if (cidr == null || cidr.isBlank()) {
            throw new IllegalArgumentException("an empty address range");
        }
        final String trimmed = cidr.trim();
        final int slash = trimmed.indexOf('/');
        final String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        final byte[] bytes = literal(address);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + cidr + "' is not an IP address or CIDR range, such as 10.0.0.0/8 or 2001:db8::/32");
        }
        final int prefix;
        try {
            prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(trimmed.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + cidr + "' has a prefix length that is not a number", e);
        }
        if (prefix < 0 || prefix > bytes.length * 8) {
            throw new IllegalArgumentException("'" + cidr + "': the prefix length must be 0 to " + bytes.length * 8);
        }
        return new IpRange(bytes, prefix, trimmed);
    }

    /** Whether {@code address} (an IP literal, never a host name) is in this range; false for anything else. */
    public boolean contains(final String address) {
        final byte[] a = address == null ? null : literal(address.trim());
        if (a == null || a.length != network.length) {
            return false;
        }
        int bits = prefix;
        for (int i = 0; i < a.length && bits > 0; i++, bits -= 8) {
            final int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((a[i] & mask) != (network[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** The bytes of an IP literal, or null when it is not one; never resolves a name. */
    static byte[] literal(final String text) {
        String s = text;
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            final String[] parts = s.split("\\.");
            final byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                final int octet = Integer.parseInt(parts[i]);
                if (octet > 255) {
                    return null;
                }
                bytes[i] = (byte) octet;
            }
            return bytes;
        }
        // With a colon, InetAddress parses an IPv6 literal and never asks DNS.
        if (!s.contains(":") || !s.matches("[0-9A-Fa-f:.]+")) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    @JsonValue
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof IpRange other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
