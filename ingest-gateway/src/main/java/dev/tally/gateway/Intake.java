package dev.tally.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.URIUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;
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
 *
 * <p>Served on Jetty's core API ({@link #route}), ahead of Javalin's servlet, which serves every
 * other route: the answer is written when Kafka acknowledges, on {@code gateway-kafka-ack}, as one
 * non-blocking write that completes the request, without the servlet's asynchronous cycle (its
 * {@code AsyncContext} completion cost more per delivery than all of Tally's own code; BENCHMARKS.md,
 * session 15). Errors are RFC 9457 problems, as on Javalin's routes.
 */
final class Intake {

    private static final Logger LOG = LoggerFactory.getLogger(Intake.class);
    /** How much of a too-large body is read and dropped so that its sender gets the 413: 8 MiB. */
    private static final long DISCARDED_AT_MOST = 8L << 20;
    private static final HttpField JSON = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
    private static final HttpField PROBLEM = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, Problem.CONTENT_TYPE);
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

    /**
     * A Jetty handler that serves {@code POST <prefix>{source}} (one path segment, a trailing slash
     * allowed, as Javalin matches) and hands every other request to the handler it wraps.
     */
    Handler.Wrapper route(final String prefix) {
        return new Handler.Wrapper() {
            @Override
            public boolean handle(final Request request, final Response response, final Callback callback) throws Exception {
                final String segment = "POST".equals(request.getMethod()) ? segment(request.getHttpURI().getPath(), prefix) : null;
                if (segment == null) {
                    return super.handle(request, response, callback);
                }
                Intake.this.handle(segment, new Exchange(request, response, callback));
                return true;
            }
        };
    }

    /** The {source} of {@code path}, still percent-encoded, when it is {@code <prefix>{source}} or {@code <prefix>{source}/}; else null. */
    static String segment(final String path, final String prefix) {
        if (path == null || !path.startsWith(prefix)) {
            return null;
        }
        final int end = path.endsWith("/") ? path.length() - 1 : path.length();
        final int slash = path.indexOf('/', prefix.length());
        if (end <= prefix.length() || slash >= 0 && slash < end) {
            return null;
        }
        return path.substring(prefix.length(), end);
    }

    private void handle(final String segment, final Exchange x) {
        metrics.started();
        try {
            accept(segment, x);
        } catch (ProblemException e) {
            x.endBody();
            x.problem(e);
        } catch (Throwable e) {
            // Anything else is the gateway's fault: a problem, never Jetty's error page or a request left open.
            x.endBody();
            x.failed(e);
            if (e instanceof VirtualMachineError fatal) {
                throw fatal;
            }
        }
    }

    private void accept(final String segment, final Exchange x) {
        final String name;
        try {
            name = URIUtil.decodePath(segment);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("The source name in the path is not valid percent-encoded UTF-8: " + segment);
        }
        final Instant receivedAt = clock.instant();
        final Sources current = sources.get();
        final Source source = current.byName().get(name);
        x.source = source == null ? GatewayMetrics.UNKNOWN_SOURCE : name;
        if (source == null) {
            throw ProblemException.notFound("unknown-source", "No source named '" + name
                    + "' is configured. Configured sources: " + String.join(", ", current.byName().keySet()) + ".");
        }
        final String clientIp = current.clientIp().resolve(Request.getRemoteAddr(x.request), x.header("X-Forwarded-For"));
        final long announced = x.request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        byte[] body = null;
        try {
            final Policy policy = source.policy();
            policy.checkAddress(name, clientIp);
            policy.rateLimiter().acquire(clientIp);
            if (announced > policy.maxBodyBytes()) {
                discardRest(x.body());
            }
            policy.checkLength(announced);
            policy.checkContentType(x.header("Content-Type"));
            body = read(x.body(), policy, announced);
            final Delivery delivery = new Delivery(x::header, body, receivedAt);
            final int secretIndex = source.verifier().verify(delivery);
            if (policy.schema() != null) {
                policy.schema().validate(JsonBody.parse(delivery));
            }
            final Outcome outcome = source.map(delivery);
            if (outcome instanceof Outcome.Reply reply) {
                // A handshake (Slack url_verification, Discord PING): answered directly, nothing to count.
                x.json(200, reply.body());
            } else {
                publish(x, source, secretIndex, ((Outcome.Events) outcome).events(), Publisher.attemptHeaders(delivery));
            }
        } catch (ProblemException e) {
            refused(x, source, e, clientIp, body == null ? announced : body.length, receivedAt);
            throw e;
        }
    }

    /**
     * Reads an announced body into an array of its length (already checked against the limit); an
     * unannounced (chunked) one up to the source's limit plus one byte, so a large one is cut short too.
     */
    private static byte[] read(final InputStream in, final Policy policy, final long announced) {
        try {
            if (announced >= 0) {
                final byte[] body = new byte[(int) announced];
                if (in.readNBytes(body, 0, body.length) < body.length) {
                    throw ProblemException.badRequest("The body ended before its Content-Length of " + announced + " bytes.");
                }
                return body;
            }
            final byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, policy.maxBodyBytes() + 1));
            if (body.length > policy.maxBodyBytes()) {
                discardRest(in);
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
    private static void discardRest(final InputStream in) {
        try {
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

    private void refused(final Exchange x, final Source source, final ProblemException e, final String clientIp,
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
                Rejections.redact(x.headerMap(), source.signatureHeader()), bodyBytes));
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

    private void publish(final Exchange x, final Source source, final int secretIndex, final List<Envelope> events,
                         final Map<String, String> attempt) {
        // A command the source answers with its count: the count is read before the event is written, to see it grow after.
        final CountReply reply = source.reply() != null && source.reply().answers(events) ? source.reply() : null;
        final CompletableFuture<CountReply.Baseline> before = reply == null ? CompletableFuture.completedFuture(null)
                : reply.before(events.get(0));
        before.thenCompose(baseline -> {
            final long start = System.nanoTime();
            return publisher.publish(events, source, secretIndex, attempt).handle((ok, error) -> {
                metrics.produced(Duration.ofNanos(System.nanoTime() - start), error == null);
                final List<String> ids = events.stream().map(Envelope::eventId).toList();
                if (error != null) {
                    final Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    LOG.atWarn().addKeyValue("source", source.name()).addKeyValue("event_id", String.join(",", ids))
                            .log("not acknowledged by Kafka: {}", cause.getMessage());
                    x.problem(cause instanceof ProblemException p ? p : new KafkaUnavailableException(ackTimeout, cause));
                    return CompletableFuture.<Void>completedFuture(null);
                }
                if (LOG.isDebugEnabled()) {
                    LOG.atDebug().addKeyValue("source", source.name()).addKeyValue("event_id", String.join(",", ids))
                            .addKeyValue("secret_index", secretIndex).log("accepted {} event(s)", ids.size());
                }
                if (reply != null) {
                    // Only now, with the event in Kafka, is the command answered: with its count, or "counting…".
                    return reply.answer(baseline, events.get(0)).thenAccept(answer -> x.json(200, answer));
                }
                x.answer(202, JSON, accepted(source.name(), ids), null);
                return CompletableFuture.<Void>completedFuture(null);
            }).thenCompose(answered -> answered);
        }).whenComplete((answered, error) -> {
            if (error != null) {
                final Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                if (cause instanceof ProblemException p) {
                    x.problem(p);
                } else {
                    x.failed(cause);
                }
            }
        });
    }

    /** One request on Jetty's core API: read on Jetty's thread, answered exactly once from any thread. */
    private final class Exchange {

        final Request request;
        private final Response response;
        private final Callback callback;
        private final AtomicBoolean answered = new AtomicBoolean();
        /** The source's name for the request metrics: a configured name or {@code unknown}. */
        volatile String source = GatewayMetrics.UNKNOWN_SOURCE;
        private InputStream body;

        Exchange(final Request request, final Response response, final Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            // A safety net: every path answers on its own (the ack timeout, CountReply's), but a request left
            // unanswered would hold its connection for good: Jetty's core API does not end it on idle.
            request.addIdleTimeoutListener(timeout -> {
                failed(timeout);
                return false;
            });
        }

        String header(final String name) {
            return request.getHeaders().get(name);
        }

        /** Each header's first value, as received. */
        Map<String, String> headerMap() {
            final Map<String, String> out = new LinkedHashMap<>();
            for (HttpField field : request.getHeaders()) {
                out.putIfAbsent(field.getName(), field.getValue());
            }
            return out;
        }

        /**
         * Before an answer given on the request's own thread, maybe before its body was read to its end (an unknown
         * source, a refused address or size): drops what has arrived of the body and, when more may still come, says
         * that the connection closes after the answer. Jetty closes it anyway once it cannot consume the rest, and
         * after an answer that did not say so a client sends its next request on it and gets nothing back.
         */
        void endBody() {
            if (!request.consumeAvailable()) {
                response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            }
        }

        InputStream body() {
            if (body == null) {
                body = Content.Source.asInputStream(request);
            }
            return body;
        }

        void json(final int status, final Object value) {
            final byte[] bytes;
            try {
                bytes = Json.MAPPER.writeValueAsBytes(value);
            } catch (JsonProcessingException e) {
                failed(e);
                return;
            }
            answer(status, JSON, bytes, null);
        }

        void problem(final ProblemException e) {
            final Problem p = e.problem().at(request.getHttpURI().getPath());
            answer(p.status(), PROBLEM, p.toJson().getBytes(StandardCharsets.UTF_8), e.retryAfter());
        }

        void failed(final Throwable e) {
            LOG.atError().setCause(e).addKeyValue("source", source).log("delivery failed inside the gateway: {}", e.toString());
            problem(new ProblemException(Problem.of(500, "internal-error", "Internal error",
                    "The gateway failed on this delivery; it was not acknowledged. Retry it.")));
        }

        /** Writes the answer and completes the request; a second answer (a timeout racing an ack) is dropped. */
        void answer(final int status, final HttpField contentType, final byte[] bytes, final Duration retryAfter) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            try {
                metrics.finished(source, status);
                response.setStatus(status);
                final HttpFields.Mutable headers = response.getHeaders();
                headers.put(contentType);
                if (retryAfter != null) {
                    headers.put(HttpHeader.RETRY_AFTER, String.valueOf(Math.max(1, retryAfter.toSeconds())));
                }
                headers.put(HttpHeader.CONTENT_LENGTH, bytes.length);
                response.write(true, ByteBuffer.wrap(bytes), callback);
            } catch (Throwable e) {
                callback.failed(e); // the request ends (Jetty answers or closes the connection) instead of hanging
            }
        }
    }
}
