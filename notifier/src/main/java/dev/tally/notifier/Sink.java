package dev.tally.notifier;

import java.net.URI;
import java.time.Duration;

/**
 * One place alerts are delivered to (an entry of {@code notify.sinks}).
 *
 * @param name        how counters name it ({@code notify: [name]}); also its consumer group's suffix and metric tag
 * @param url         where alerts are POSTed; https, or http to a host in {@code notify.allow_http_hosts}
 * @param format      standard (signed alert JSON), slack or discord
 * @param secret      the Standard Webhooks signing secret; only for {@code standard}, where it is required
 * @param retry       attempt limit, deadline and backoff
 * @param timeout     how long one request may take, connecting included (default 10s)
 * @param queue       alerts read and not yet delivered or given up, at most (default 1000): the bound on memory
 *                    while the sink is down; when it is full the sink reads no more until one finishes
 * @param concurrency requests in flight at once (default 4)
 */
public record Sink(String name, URI url, SinkFormat format, WebhookSecret secret, RetryPolicy retry,
                   Duration timeout, int queue, int concurrency) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_QUEUE = 1000;
    public static final int DEFAULT_CONCURRENCY = 4;

    public Sink {
        if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("sink name '" + name + "' must be 1-64 letters, digits, '_' or '-'");
        }
        if ((format == SinkFormat.STANDARD) != (secret != null)) {
            throw new IllegalArgumentException("sink '" + name + "': " + (secret == null
                    ? "format standard needs a secret ({env: VARIABLE} or {file: /path}, whsec_ followed by base64)"
                    : "only format standard is signed; " + format + " takes no secret"));
        }
        if (timeout.isNegative() || timeout.isZero() || queue < 1 || concurrency < 1) {
            throw new IllegalArgumentException("sink '" + name + "': timeout must be positive, queue and concurrency 1 or more");
        }
    }

    /** Scheme, host and port only: chat webhook URLs carry their token in the path, so logs never show it. */
    public String origin() {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    }

    @Override
    public String toString() {
        return "Sink[" + name + ", " + format + ", " + origin() + "]";
    }
}
