package dev.tally.schemas;

import java.time.Instant;
import java.util.Map;

/**
 * A delivery the gateway refused, as written to {@link Topics#REJECTED}: enough to see who sends
 * what and why it fails, never the body and never a secret or signature value. Schema:
 * {@code schemas/rejection.schema.json}.
 *
 * @param source     the source named in the path
 * @param reason     why: signature, schema, body-too-large, content-type, rate-limited, ip-not-allowed, bad-request or
 *                   future_timestamp (an event time beyond the source's {@code max_future_skew})
 * @param status     the HTTP status answered
 * @param detail     the problem detail answered
 * @param receivedAt when the gateway received the delivery
 * @param clientIp   the client address the gateway resolved (after trusted proxies)
 * @param headers    the request headers, values of signature, token and credential headers replaced by {@code [redacted]}
 * @param bodyBytes  the body size in bytes: as read, or as announced by Content-Length when it was not read (-1 unknown)
 */
public record Rejection(String source, String reason, int status, String detail, Instant receivedAt,
                        String clientIp, Map<String, String> headers, long bodyBytes) {

    public Rejection {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}
