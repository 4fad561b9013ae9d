package dev.tally.gateway;

import java.util.List;

/**
 * Finds the client's address: the peer's, unless the peer is a configured trusted proxy, in which
 * case {@code X-Forwarded-For} is read from the right, skipping trusted proxies, and the first
 * address that is not one is the client. Entries a client wrote itself (further left) are never
 * believed, and a header from an untrusted peer is ignored.
 */
final class ClientIp {

    private final List<IpRange> trustedProxies;

    ClientIp(final List<IpRange> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    String resolve(final String peer, final String forwardedFor) {
        if (forwardedFor == null || forwardedFor.isBlank() || !trusted(peer)) {
            return peer;
        }
        final String[] hops = forwardedFor.split(",");
        String client = peer;
        for (int i = hops.length - 1; i >= 0; i--) {
            final String hop = hops[i].trim();
            if (IpRange.literal(hop) == null) {
                // Garbage in the chain: stop at the last address a trusted proxy vouched for.
                return client;
            }
            client = hop;
            if (!trusted(hop)) {
                return hop;
            }
        }
        return client;
    }

    private boolean trusted(final String address) {
        for (final IpRange range : trustedProxies) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
