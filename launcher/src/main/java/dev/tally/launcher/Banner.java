package dev.tally.launcher;

import java.util.Map;

/** What {@code tally up} prints once everything runs: where things are and a request to paste. */
final class Banner {

    /** The demo secret the {@code ./tally} script sets when TALLY_DEMO_SECRET is not set. */
    static final String DEMO_SECRET = "tally-demo-secret";

    private Banner() {
    }

    private static String auth(final Pipeline p) {
        return switch (p.processorConfig().queryAccess().auth()) {
            case TOKENS -> "bearer tokens required";
            case NONE -> "auth off: query.auth is none";
            case UNSET -> "query.auth not set";
        };
    }

    static String text(final Pipeline p, final Map<String, String> env) {
        final String source = p.gatewayConfig().sources().keySet().iterator().next();
        final String counter = p.processorConfig().counters().get(0).name();
        final String secret = DEMO_SECRET.equals(env.get("TALLY_DEMO_SECRET")) ? DEMO_SECRET : "<the secret of source '" + source + "'>";
        return """

                Tally is up.
                  Kafka       %s%s
                  Gateway     %s/webhooks/{source}   (sources: %s)
                  Query API   %s/v1/counters   (%s)
                  Stop with Ctrl-C; counts are kept in the data directory.

                Send a signed webhook and read its count back (paste into a shell):

                  SECRET='%s'
                  BODY=$(printf '{"event_id":"evt-1","event_type":"order.created","timestamp":"%%s","schema_version":"1","payload":{"plan":"pro"}}' "$(date -u +%%Y-%%m-%%dT%%H:%%M:%%SZ)")
                  SIG="sha256=$(printf '%%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')"
                  curl -s -X POST %s/webhooks/%s -H 'Content-Type: application/json' -H "X-Signature: $SIG" --data-binary "$BODY"; echo
                  sleep 8   # events wait out the reorder delay (5 s) before they are counted
                  curl -s '%s/v1/counters/%s/total?key=%s%%7Corder.created'; echo

                Send it twice: the count stays 1, because (source, event_id) is counted once.
                """.formatted(p.bootstrapServers(), p.embedded() ? " (embedded)" : "",
                p.gatewayUrl(), String.join(", ", p.gatewayConfig().sources().keySet()),
                p.queryUrl(), auth(p), secret, p.gatewayUrl(), source, p.queryUrl(), counter, source);
    }
}
