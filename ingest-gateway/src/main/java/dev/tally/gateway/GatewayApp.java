package dev.tally.gateway;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletionException;

import io.javalin.Javalin;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.http.HttpSupport;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;
import dev.tally.schemas.TopicAdmin;
import dev.tally.schemas.Topics;

/**
 * The ingest gateway's HTTP routes: every route the gateway serves is declared in {@link #start}.
 *
 * <ul>
 *   <li>{@code POST /webhooks/{source}}: verify the signature on the raw body, map it to events,
 *       write them to Kafka and answer {@code 202} once Kafka acknowledged them all.</li>
 *   <li>{@code GET /healthz}: the process is up. {@code GET /readyz}: Kafka is reachable.</li>
 * </ul>
 *
 * Errors are RFC 9457 {@code application/problem+json}, mapped from {@link ProblemException} in one place.
 */
public final class GatewayApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayApp.class);

    private final GatewayConfig config;
    private final Map<String, Source> sources;
    private final Publisher publisher;
    private final KafkaHealth health;
    private final Clock clock;
    private Javalin http;

    public GatewayApp(final GatewayConfig config, final Map<String, String> env, final Clock clock) {
        this.config = config;
        this.clock = clock;
        this.sources = Source.all(config, env);
        final Properties kafka = config.kafka().clientProperties();
        this.publisher = new Publisher(kafka, config.ackTimeout());
        this.health = new KafkaHealth(kafka, Duration.ofSeconds(2));
    }

    /** Creates missing topics, then serves HTTP. */
    public GatewayApp start() {
        TopicAdmin.ensureTopics(config.kafka().clientProperties(), config.kafka().topics(), List.of(Topics.RAW), 30_000);
        http = Javalin.create(c -> {
            HttpSupport.configure(c, config.host(), config.port(), "Deliver webhooks with POST /webhooks/{source}.");
            c.http.maxRequestSize = config.maxBodyBytes();
            c.routes.post("/webhooks/{source}", this::ingest);
            c.routes.get("/healthz", ctx -> ctx.json(Map.of("status", "up")));
            c.routes.get("/readyz", this::ready);
        }).start();
        LOG.info("gateway listening on http://{}:{} for sources {}", config.host(), http.port(), sources.keySet());
        return this;
    }

    public int port() {
        return http.port();
    }

    private void ingest(final Context ctx) {
        final String name = ctx.pathParam("source");
        final Source source = sources.get(name);
        if (source == null) {
            throw ProblemException.notFound("unknown-source", "No source named '" + name
                    + "' is configured. Configured sources: " + String.join(", ", sources.keySet()) + ".");
        }
        final Delivery delivery = new Delivery(ctx::header, ctx.bodyAsBytes(), clock.instant());
        final int secretIndex = source.verifier().verify(delivery);
        final Outcome outcome = source.mapper().map(source.name(), delivery);
        if (outcome instanceof Outcome.Reply reply) {
            // A handshake (Slack url_verification, Discord PING): answered directly, nothing to count.
            ctx.status(200).json(reply.body());
        } else {
            publish(ctx, source, secretIndex, ((Outcome.Events) outcome).events());
        }
    }

    private void publish(final Context ctx, final Source source, final int secretIndex, final List<Envelope> events) {
        ctx.future(() -> publisher.publish(events, source, secretIndex).handle((ok, error) -> {
            if (error != null) {
                final Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                LOG.warn("source={} event_ids={} not acknowledged by Kafka: {}", source.name(),
                        events.stream().map(Envelope::eventId).toList(), cause.getMessage());
                HttpSupport.problem(ctx, cause instanceof ProblemException p ? p : new KafkaUnavailableException(config.ackTimeout(), cause));
            } else {
                final Map<String, Object> body = new LinkedHashMap<>();
                body.put("status", "accepted");
                body.put("source", source.name());
                body.put("event_ids", events.stream().map(Envelope::eventId).toList());
                ctx.status(202).json(body);
            }
            return null;
        }));
    }

    private void ready(final Context ctx) {
        final String problem = health.problem();
        if (problem == null) {
            ctx.json(Map.of("status", "ready"));
        } else {
            throw new ProblemException(Problem.of(503, "not-ready", "Not ready", problem), Duration.ofSeconds(5), null);
        }
    }

    @Override
    public void close() {
        if (http != null) {
            http.stop();
        }
        publisher.close();
        health.close();
    }
}
