package dev.tally.gateway;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.eclipse.jetty.server.Handler;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.config.ConfigFile;
import dev.tally.http.HttpSupport;
import dev.tally.http.Metrics;
import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;
import dev.tally.schemas.TopicAdmin;
import dev.tally.schemas.Topics;

/**
 * The ingest gateway: every route it serves is declared in {@link #start}.
 *
 * <ul>
 *   <li>{@code POST /webhooks/{source}}: {@link Intake} checks, verifies and writes the delivery to
 *       {@link Topics#RAW}, answering {@code 202} once Kafka acknowledged every event; refusals go,
 *       sampled, to {@link Topics#REJECTED}. Served on Jetty's core API ahead of Javalin ({@link Intake#route}).</li>
 *   <li>{@code GET /healthz}: the process is up. {@code GET /readyz}: Kafka is reachable.</li>
 *   <li>{@code GET /metrics}: Prometheus text format ({@link GatewayMetrics}, the producers' metrics, the JVM's).</li>
 * </ul>
 *
 * The sources can be replaced while serving ({@link #reload}, {@link #reloadOnChange}). Errors are
 * RFC 9457 {@code application/problem+json}: {@link ProblemException} mapped by {@link HttpSupport} on Javalin's
 * routes and by {@link Intake} on its own.
 */
public final class GatewayApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayApp.class);

    /** What the gateway needs from Kafka; tests give a {@code MockProducer} and no broker. */
    record Kafka(Producer<String, byte[]> events, Producer<String, byte[]> rejected, Supplier<String> readiness,
                 Runnable ensureTopics, AutoCloseable health) {
    }

    private final GatewayConfig config;
    private final Map<String, String> env;
    private final AtomicReference<Intake.Sources> sources = new AtomicReference<>();
    private final Publisher publisher;
    private final Rejections rejections;
    private final Kafka kafka;
    private final Metrics metrics;
    private final GatewayMetrics gatewayMetrics;
    private final Intake intake;
    private final TlsConnector tls;
    private final List<KafkaClientMetrics> producerMetrics;
    private ConfigWatcher watcher;
    private Javalin http;

    public GatewayApp(final GatewayConfig config, final Map<String, String> env, final Clock clock) {
        this(config, env, clock, real(config));
    }

    GatewayApp(final GatewayConfig config, final Map<String, String> env, final Clock clock, final Kafka kafka) {
        this.config = config;
        this.env = Map.copyOf(env);
        this.kafka = kafka;
        this.sources.set(build(config));
        this.tls = config.tls() == null ? null : new TlsConnector(config.tls(), env);
        this.metrics = Metrics.create("gateway");
        this.gatewayMetrics = new GatewayMetrics(metrics.registry());
        this.publisher = new Publisher(kafka.events(), config.ackTimeout(),
                SendGate.of(Publisher.producerProperties(config.kafka().clientProperties(), config.ackTimeout()), config.ackTimeout()));
        this.rejections = new Rejections(kafka.rejected(), config.rejected().perSource(), gatewayMetrics);
        this.producerMetrics = List.of(new KafkaClientMetrics(kafka.events()), new KafkaClientMetrics(kafka.rejected()));
        producerMetrics.forEach(m -> m.bindTo(metrics.registry()));
        this.intake = new Intake(sources::get, publisher, rejections, gatewayMetrics, config.ackTimeout(), clock);
    }

    private static Kafka real(final GatewayConfig config) {
        final var props = config.kafka().clientProperties();
        final KafkaHealth health = new KafkaHealth(props, Duration.ofSeconds(2));
        return new Kafka(Publisher.producer(props, config.ackTimeout()), Rejections.producer(props), health::problem,
                () -> TopicAdmin.ensureTopics(props, config.kafka().topics(), List.of(Topics.RAW, Topics.REJECTED), 30_000),
                health);
    }

    private Intake.Sources build(final GatewayConfig c) {
        return new Intake.Sources(Source.all(c, env), new ClientIp(c.trustedProxies()));
    }

    /** Creates missing topics, then serves HTTP (or HTTPS when {@code gateway.tls} is set). */
    public GatewayApp start() {
        kafka.ensureTopics().run();
        http = Javalin.create(c -> {
            HttpSupport.configure(c, config.host(), config.port(), "Deliver webhooks with POST /webhooks/{source}.");
            if (tls != null) {
                c.jetty.addConnector((server, httpConfig) -> tls.create(server, httpConfig, config.host(), config.port()));
            }
            // POST /webhooks/{source}: Intake on Jetty's core API, ahead of Javalin's servlet (which gets every other request),
            // inside Javalin's own outer handler (its StatisticsHandler), as Javalin would nest its servlet there.
            c.jetty.modifyServer(server -> {
                final Handler.Wrapper route = intake.route("/webhooks/");
                if (server.getHandler() instanceof Handler.Wrapper outer && outer.getHandler() == null) {
                    outer.setHandler(route);
                } else {
                    server.setHandler(route);
                }
            });
            c.routes.get("/healthz", ctx -> ctx.json(Map.of("status", "up")));
            c.routes.get("/readyz", this::ready);
            metrics.route(c);
        }).start();
        LOG.info("gateway listening on {}://{}:{} for sources {}", tls == null ? "http" : "https", config.host(), http.port(),
                sources.get().byName().keySet());
        return this;
    }

    /** The deliveries answered since start, by source and outcome (the dashboard's pipeline view in {@code tally up}). */
    public List<Traffic> traffic() {
        return gatewayMetrics.traffic();
    }

    public int port() {
        return http.port();
    }

    /**
     * Replaces the sources, their limits and the trusted proxies with those of {@code newConfig}
     * (host, port, TLS, Kafka and ack timeout need a restart). Throws, leaving the sources in force,
     * when {@code newConfig} cannot be used (a missing secret, a bad setting).
     */
    public void reload(final GatewayConfig newConfig) {
        // A query API given at start (tally up's own) stays in force unless the file now names one.
        sources.set(build(newConfig.withDefaultQueryUrl(config.query().url())));
        if (!Objects.equals(newConfig.host(), config.host()) || newConfig.port() != config.port()
                || !Objects.equals(newConfig.tls(), config.tls()) || !newConfig.ackTimeout().equals(config.ackTimeout())
                || !newConfig.rejected().equals(config.rejected())) {
            LOG.warn("gateway config reloaded, but host, port, tls, ack_timeout and rejected apply only after a restart");
        }
        LOG.info("gateway config reloaded; sources {}", sources.get().byName().keySet());
    }

    /** Watches {@code configFile} and {@link #reload}s from it whenever it or a secret file it names changes. */
    public GatewayApp reloadOnChange(final Path configFile) {
        return reloadOnChange(configFile, Duration.ofSeconds(2));
    }

    GatewayApp reloadOnChange(final Path configFile, final Duration interval) {
        watcher = new ConfigWatcher(configFile, interval, secretFiles(config), file -> {
            final GatewayConfig next = GatewayConfig.from(ConfigFile.load(file), env);
            reload(next);
            return secretFiles(next);
        });
        return this;
    }

    private static List<Path> secretFiles(final GatewayConfig c) {
        return c.sources().values().stream()
                .flatMap(s -> s.secrets() == null ? Stream.empty() : s.secrets().stream())
                .filter(ref -> ref != null && ref.file() != null)
                .map(ref -> Path.of(ref.file()).toAbsolutePath())
                .toList();
    }

    private void ready(final Context ctx) {
        final String problem = kafka.readiness().get();
        if (problem == null) {
            ctx.json(Map.of("status", "ready"));
        } else {
            throw new ProblemException(Problem.of(503, "not-ready", "Not ready", problem), Duration.ofSeconds(5), null);
        }
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        if (http != null) {
            http.stop();
        }
        producerMetrics.forEach(KafkaClientMetrics::close);
        publisher.close();
        rejections.close();
        try {
            kafka.health().close();
        } catch (Exception e) {
            LOG.debug("closing the health check: {}", e.getMessage());
        }
        metrics.close();
    }
}
