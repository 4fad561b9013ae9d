package dev.tally.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.http.HttpSupport;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;
import dev.tally.schemas.Rejection;

/**
 * {@code POST /webhooks/{source}}, in the order that costs a refused sender least: allowlist
 * (403), rate limits (429), announced size (413), content type (415), the body read up to the
 * source's limit (413), the signature on the raw bytes (401), the source's JSON Schema (400), the
 * scheme's mapping (400), its events' times against {@code max_future_skew} (422), then Kafka (202
 * once acknowledged, 503 + Retry-After when not). Every refusal is counted and offered to the
 * rejected-deliveries topic.
 */
final class Intake {

    /** The request attribute naming the source for the request metrics: a configured name or {@code unknown}. */
    static final String SOURCE_ATTRIBUTE = "tally.source";
    private static final Logger LOG = LoggerFactory.getLogger(Intake.class);
    /** How much of a too-large body is read and dropped so that its sender gets the 413: 8 MiB. */
    private static final long DISCARDED_AT_MOST = 8L << 20;
    private static final Map<String, String> REASONS = Map.of(
            "bad-signature", "signature",
            "schema-mismatch", "schema",
            "body-too-large", "body-too-large",
            "unsupported-content-type", "content-type",
            "rate-limited", "rate-limited",
            "ip-not-allowed", "ip-not-allowed",
            "bad-request", "bad-request",
            "future-timestamp", "future_timestamp");

    /** The sources in force and how client addresses are found; replaced whole on reload. */
    record Sources(Map<String, Source> byName, ClientIp clientIp) {
    }

    private final Supplier<Sources> sources;
    private final Publisher publisher;
    private final Rejections rejections;
    private final GatewayMetrics metrics;
    private final Duration ackTimeout;
    private final Clock clock;

    Intake(final Supplier<Sources> sources, final Publisher publisher, final Rejections rejections, final GatewayMetrics metrics,
           final Duration ackTimeout, final Clock clock) {
        this.sources = sources;
        this.publisher = publisher;
        this.rejections = rejections;
        this.metrics = metrics;
        this.ackTimeout = ackTimeout;
        this.clock = clock;
    }

    void handle(final Context ctx) {
        final Instant receivedAt = clock.instant();
        final Sources current = sources.get();
        final String name = ctx.pathParam("source");
        final Source source = current.byName().get(name);
        ctx.attribute(SOURCE_ATTRIBUTE, source == null ? GatewayMetrics.UNKNOWN_SOURCE : name);
        metrics.started();
        if (source == null) {
            throw ProblemException.notFound("unknown-source", "No source named '" + name
                    + "' is configured. Configured sources: " + String.join(", ", current.byName().keySet()) + ".");
        }
        final String clientIp = current.clientIp().resolve(ctx.req().getRemoteAddr(), ctx.header("X-Forwarded-For"));
        final long announced = ctx.req().getContentLengthLong();
        byte[] body = null;
        try {
            final Policy policy = source.policy();
            policy.checkAddress(name, clientIp);
            policy.rateLimiter().acquire(clientIp);
            if (announced > policy.maxBodyBytes()) {
                discardRest(ctx);
            }
            policy.checkLength(announced);
            policy.checkContentType(ctx.header("Content-Type"));
            body = read(ctx, policy, announced);
            final Delivery delivery = new Delivery(ctx::header, body, receivedAt);
            final int secretIndex = source.verifier().verify(delivery);
            if (policy.schema() != null) {
                policy.schema().validate(JsonBody.parse(delivery));
            }
            final Outcome outcome = source.map(delivery);
            if (outcome instanceof Outcome.Reply reply) {
                // A handshake (Slack url_verification, Discord PING): answered directly, nothing to count.
                ctx.status(200).json(reply.body());
            } else {
                publish(ctx, source, secretIndex, ((Outcome.Events) outcome).events(), Publisher.attemptHeaders(delivery));
            }
        } catch (ProblemException e) {
            refused(ctx, source, e, clientIp, body == null ? announced : body.length, receivedAt);
            throw e;
        }
    }

    /**
     * Reads an announced body into an array of its length (already checked against the limit); an
     * unannounced (chunked) one up to the source's limit plus one byte, so a large one is cut short too.
     */
    private static byte[] read(final Context ctx, final Policy policy, final long announced) {
        try (InputStream in = ctx.req().getInputStream()) {
            if (announced >= 0) {
                final byte[] body = new byte[(int) announced];
                if (in.readNBytes(body, 0, body.length) < body.length) {
                    throw ProblemException.badRequest("The body ended before its Content-Length of " + announced + " bytes.");
                }
                return body;
            }
            final byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, policy.maxBodyBytes() + 1));
            if (body.length > policy.maxBodyBytes()) {
                discardRest(ctx);
                throw policy.tooLarge();
            }
            return body;
        } catch (IOException e) {
            throw ProblemException.badRequest("The body could not be read completely: " + e.getMessage());
        }
    }

    /**
     * Reads and drops what is left of a body that is refused for its size, up to {@link #DISCARDED_AT_MOST}:
     * a server that answers while the client still sends, and closes, resets the connection, and the client
     * may lose the 413 with it (seen in GatewayRulesTest under load). A larger rest is left unread.
     */
    private static void discardRest(final Context ctx) {
        try {
            final InputStream in = ctx.req().getInputStream();
            final byte[] buffer = new byte[16 * 1024];
            long left = DISCARDED_AT_MOST;
            int n;
            while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
                left -= n;
            }
        } catch (IOException e) {
            // The client stopped sending: it gets the 413 or nothing, as without the discarding.
        }
    }

    private void refused(final Context ctx, final Source source, final ProblemException e, final String clientIp,
                         final long bodyBytes, final Instant receivedAt) {
        final Problem problem = e.problem();
        final String reason = REASONS.get(problem.type().substring(problem.type().lastIndexOf('/') + 1));
        if (reason == null) {
            return;
        }
        metrics.rejected(source.name(), reason);
        LOG.atDebug().addKeyValue("source", source.name()).addKeyValue("reason", reason).addKeyValue("client_ip", clientIp)
                .log("refused with {}: {}", problem.status(), problem.detail());
        rejections.record(new Rejection(source.name(), reason, problem.status(), problem.detail(), receivedAt, clientIp,
                Rejections.redact(ctx.headerMap(), source.signatureHeader()), bodyBytes));
    }

    /**
     * {@code {"status":"accepted","source":…,"event_ids":[…]}}, the answer to every accepted delivery,
     * written as text, without the object mapper's serializer lookups for a map on every answer.
     */
    static byte[] accepted(final String source, final List<String> eventIds) {
        final JsonStringEncoder quote = JsonStringEncoder.getInstance();
        final StringBuilder json = new StringBuilder(64 + 40 * eventIds.size()).append("{\"status\":\"accepted\",\"source\":\"");
        quote.quoteAsString(source, json);
        json.append("\",\"event_ids\":[");
        for (int i = 0; i < eventIds.size(); i++) {
            json.append(i == 0 ? "\"" : ",\"");
            quote.quoteAsString(eventIds.get(i), json);
            json.append('"');
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private void publish(final Context ctx, final Source source, final int secretIndex, final List<Envelope> events,
                         final Map<String, String> attempt) {
        // A command the source answers with its count: the count is read before the event is written, to see it grow after.
        final CountReply reply = source.reply() != null && source.reply().answers(events) ? source.reply() : null;
        final CompletableFuture<CountReply.Baseline> before = reply == null ? CompletableFuture.completedFuture(null)
                : reply.before(events.get(0));
        ctx.future(() -> before.thenCompose(baseline -> {
            final long start = System.nanoTime();
            return publisher.publish(events, source, secretIndex, attempt).handle((ok, error) -> {
                metrics.produced(Duration.ofNanos(System.nanoTime() - start), error == null);
                final List<String> ids = events.stream().map(Envelope::eventId).toList();
                if (error != null) {
                    final Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    LOG.atWarn().addKeyValue("source", source.name()).addKeyValue("event_id", String.join(",", ids))
                            .log("not acknowledged by Kafka: {}", cause.getMessage());
                    HttpSupport.problem(ctx, cause instanceof ProblemException p ? p : new KafkaUnavailableException(ackTimeout, cause));
                    return CompletableFuture.completedFuture(null);
                }
                if (LOG.isDebugEnabled()) {
                    LOG.atDebug().addKeyValue("source", source.name()).addKeyValue("event_id", String.join(",", ids))
                            .addKeyValue("secret_index", secretIndex).log("accepted {} event(s)", ids.size());
                }
                if (reply != null) {
                    // Only now, with the event in Kafka, is the command answered: with its count, or "counting…".
                    return reply.answer(baseline, events.get(0)).thenAccept(answer -> ctx.status(200).json(answer));
                }
                ctx.status(202).contentType(ContentType.APPLICATION_JSON).result(accepted(source.name(), ids));
                return CompletableFuture.completedFuture(null);
            }).thenCompose(answered -> answered);
        }));
    }
}
