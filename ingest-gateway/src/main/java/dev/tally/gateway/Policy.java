package dev.tally.gateway;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import dev.tally.config.ConfigException;
import dev.tally.config.Durations;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;

/**
 * What a source admits before and after its signature check, each rule with its own status:
 * client address allowlist (403), rate limits (429), body size (413), content type (415) and,
 * once verified, the body's JSON Schema (400) and, once mapped, how far its events' times may be
 * ahead of their receive time (422). The default content types are the scheme's: JSON for every
 * scheme, form-encoded too for the senders that post forms (Slack, GitHub, Mailgun), form only for Twilio.
 */
record Policy(long maxBodyBytes, List<String> contentTypes, List<IpRange> allowIps, RateLimiter rateLimiter, BodySchema schema,
              Duration maxFutureSkew) {

    static final List<String> DEFAULT_CONTENT_TYPES = List.of("application/json");
    private static final String ANY = "*/*";

    Policy {
        contentTypes = List.copyOf(contentTypes);
        allowIps = List.copyOf(allowIps);
    }

    /** @param schemeContentTypes what the scheme's sender posts: the default {@code content_types} */
    static Policy from(final String name, final GatewayConfig.SourceSettings s, final long defaultMaxBodyBytes,
                       final Duration defaultMaxFutureSkew, final List<String> schemeContentTypes) {
        final String where = "gateway.sources." + name;
        final long max = s.maxBodyBytes() == null ? defaultMaxBodyBytes : s.maxBodyBytes();
        if (max < 1) {
            throw new ConfigException(where + ".max_body_bytes: must be at least 1, got " + max);
        }
        if (s.contentTypes() != null && s.contentTypes().isEmpty()) {
            throw new ConfigException(where + ".content_types: list at least one media type, or \"*/*\" for any");
        }
        final Duration skew = s.maxFutureSkew() == null ? defaultMaxFutureSkew : s.maxFutureSkew();
        if (skew.isNegative()) {
            throw new ConfigException(where + ".max_future_skew: must be 0 or more, got " + skew);
        }
        final GatewayConfig.RateLimit limits = s.rateLimit();
        if (limits != null && (zero(limits.perSource()) || zero(limits.perIp()))) {
            throw new ConfigException(where + ".rate_limit: a rate of 0 admits nothing; leave it out for no limit");
        }
        return new Policy(max,
                s.contentTypes() == null ? schemeContentTypes : s.contentTypes().stream().map(Policy::mediaType).toList(),
                s.allowIps() == null ? List.of() : s.allowIps(),
                new RateLimiter(name, limits),
                s.schema() == null ? null : BodySchema.load(where, s.schema()),
                skew);
    }

    private static boolean zero(final Rate rate) {
        return rate != null && rate.count() == 0;
    }

    void checkAddress(final String source, final String clientIp) {
        if (!allowIps.isEmpty() && allowIps.stream().noneMatch(range -> range.contains(clientIp))) {
            throw new ProblemException(Problem.of(403, "ip-not-allowed", "Address not allowed",
                    "Source '" + source + "' accepts deliveries only from its allow_ips; " + clientIp + " is not among them."));
        }
    }

    /** 413 when the announced length is already too large; -1 (unknown) is checked while reading. */
    void checkLength(final long contentLength) {
        if (contentLength > maxBodyBytes) {
            throw tooLarge();
        }
    }

    ProblemException tooLarge() {
        return new ProblemException(Problem.of(413, "body-too-large", "Body too large",
                "The body is larger than this source's max_body_bytes (" + maxBodyBytes + " bytes)."));
    }

    /** 415 unless the media type is allowed; a delivery without Content-Type is read as the scheme's JSON. */
    void checkContentType(final String contentType) {
        if (contentType == null || contentType.isBlank() || contentTypes.contains(ANY)) {
            return;
        }
        final String type = mediaType(contentType);
        if (!contentTypes.contains(type)) {
            throw new ProblemException(Problem.of(415, "unsupported-content-type", "Unsupported content type",
                    "Content-Type " + type + " is not accepted here; send " + String.join(" or ", contentTypes) + "."));
        }
    }

    private static String mediaType(final String contentType) {
        final int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    /**
     * 422 for the whole delivery when one of its events is stamped further ahead of its receive time
     * than {@link #maxFutureSkew}: such a time would move the processor's watermark ahead of every
     * other event (and Kafka refuses records more than an hour ahead). A 4xx, because sending the
     * same event again cannot help; a batch is refused whole, so the sender never has to find out
     * which of its events were kept.
     */
    void checkEventTimes(final List<Envelope> events) {
        for (Envelope event : events) {
            final Instant limit = event.receivedAt().plus(maxFutureSkew);
            if (event.eventTime().isAfter(limit)) {
                throw new ProblemException(Problem.of(422, "future-timestamp", "Event time too far in the future",
                        "Event '" + event.eventId() + "' has event time " + event.eventTime() + ", more than this source's max_future_skew ("
                                + Durations.format(maxFutureSkew) + ") after it was received at " + event.receivedAt()
                                + "; latest accepted: " + limit + ". Check the sender's clock; nothing of this delivery was accepted."));
            }
        }
    }
}
