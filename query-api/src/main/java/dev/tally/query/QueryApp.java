package dev.tally.query;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.config.Durations;
import dev.tally.http.HttpSupport;
import dev.tally.http.Metrics;
import dev.tally.processor.Counter;
import dev.tally.processor.ProcessorConfig;
import dev.tally.processor.ProcessorMetrics;
import dev.tally.query.CountsService.Local;
import dev.tally.query.CountsService.Page;
import dev.tally.schemas.Json;
import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;

/**
 * The query API's HTTP routes, all declared in {@link #start}; it runs in the processor's JVM,
 * next to the state stores. Every route and its answers are in {@code openapi.json}, served at
 * {@code GET /openapi.json}; docs/query-api.md says how queries are routed between instances.
 */
public final class QueryApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueryApp.class);
    /** The longest wait for another instance's answer to a forwarded query. */
    static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(2);

    private final ProcessorConfig config;
    private final CountsService counts;
    private final Clock clock;
    private final BearerAuth auth;
    private final KeyRouter router;
    private final Forwarder forwarder;
    private final TopQueries top;
    private final UpdateFeed feed;
    private final GatewayTraffic traffic;
    private final Metrics metrics = Metrics.create("query");
    private final KafkaStreamsMetrics streamsMetrics;
    private final Readiness readiness;
    private Javalin http;

    public QueryApp(final ProcessorConfig config, final CountsService counts, final Clock clock) {
        this(config, counts, clock, System.getenv());
    }

    /** @param env where {@code query.auth.tokens} entries of the form {@code {env: VARIABLE}} are read */
    public QueryApp(final ProcessorConfig config, final CountsService counts, final Clock clock, final Map<String, String> env) {
        this(config, counts, clock, env, GatewayTraffic.NONE);
    }

    /** @param traffic the deliveries of a gateway in this JVM, for the pipeline view; {@link GatewayTraffic#NONE} without one */
    public QueryApp(final ProcessorConfig config, final CountsService counts, final Clock clock, final Map<String, String> env,
                    final GatewayTraffic traffic) {
        this.traffic = traffic;
        this.config = config;
        this.counts = counts;
        this.clock = clock;
        this.auth = BearerAuth.from(config, env);
        this.forwarder = new Forwarder(counts.self(), FORWARD_TIMEOUT);
        this.router = new KeyRouter(counts.streams(), counts.self(), forwarder);
        this.top = new TopQueries(config, counts, forwarder);
        this.feed = new UpdateFeed(config);
        this.readiness = Readiness.of(counts, config.counters(), clock);
        // Kafka Streams' own metrics, Tally's duplicates-total and late-total among them.
        this.streamsMetrics = new KafkaStreamsMetrics(counts.streams());
        streamsMetrics.bindTo(metrics.registry());
    }

    /**
     * Fails with a {@code ConfigException} when the query API could not start with {@code config}
     * (auth not set, a token missing): for commands that check before they start anything.
     */
    public static void checkAccess(final ProcessorConfig config, final Map<String, String> env) {
        BearerAuth.from(config, env);
    }

    public static HostInfo advertised(final ProcessorConfig config) {
        return new HostInfo(config.advertisedHost(), config.queryPort());
    }

    private static final String STREAM = "/v1/counters/{counter}/stream";

    public QueryApp start() {
        feed.start();
        http = Javalin.create(c -> {
            HttpSupport.configure(c, config.queryHost(), config.queryPort(), "See GET /openapi.json.");
            // The dashboard at /: static files only; it reads the counts through /v1/* like any client.
            c.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = "/dashboard";
                files.location = Location.CLASSPATH;
            });
            if (!config.queryAccess().corsOrigins().isEmpty()) {
                c.bundledPlugins.enableCors(cors -> cors.addRule(rule -> {
                    config.queryAccess().corsOrigins().forEach(rule::allowHost);
                    List.of(KeyRouter.SERVED_BY, KeyRouter.REPLICA, KeyRouter.STALENESS, "Retry-After").forEach(rule::exposeHeader);
                }));
            }
            // Any read of a store that is not queryable (not started, closing, migrating) is a 503, never a 500.
            c.routes.exception(InvalidStateStoreException.class, (e, ctx) -> HttpSupport.problem(ctx,
                    KeyRouter.unavailable("The processor's state is not queryable right now (" + e.getMessage() + "). Retry shortly.")));
            metrics.route(c);
            c.routes.beforeMatched(auth::check);
            c.routes.get("/v1/counters", this::listCounters);
            c.routes.get("/v1/counters/{counter}/counts", this::windowCounts);
            c.routes.get("/v1/counters/{counter}/batch", this::batch);
            c.routes.get("/v1/counters/{counter}/total", this::total);
            c.routes.get("/v1/counters/{counter}/top", this::top);
            c.routes.get("/v1/pipeline", ctx -> ctx.json(PipelineStatus.of(clock.instant(), traffic,
                    ProcessorMetrics.of(counts.streams()))));
            c.routes.before(STREAM, QueryApp::requireEventStream);
            c.routes.sse(STREAM, feed::subscribe);
            c.routes.get("/openapi.json", ctx -> ctx.contentType("application/json").result(OpenApi.document()));
            c.routes.get("/healthz", ctx -> ctx.json(Map.of("status", "up")));
            c.routes.get("/readyz", this::ready);
        }).start();
        LOG.info("query API listening on http://{}:{} (API description at /openapi.json)",
                config.queryHost(), http.port());
        return this;
    }

    /**
     * Javalin serves the stream only to a request that accepts {@code text/event-stream} and answers any
     * other (a plain curl sends {@code Accept: *}{@code /*}) with an empty 200; say what is missing instead.
     */
    private static void requireEventStream(final Context ctx) {
        final String accept = ctx.header("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            throw new ProblemException(Problem.of(406, "not-event-stream", "Not an event-stream request",
                    "This route is a Server-Sent Events stream: send the header Accept: text/event-stream "
                            + "(curl -N -H 'Accept: text/event-stream' ...; a browser's EventSource does it itself)."));
        }
    }

    /** The registry {@code GET /metrics} serves; parts running in the same JVM (the notifier) add their meters to it. */
    public MeterRegistry meterRegistry() {
        return metrics.registry();
    }

    public int port() {
        return http.port();
    }

    /** The running server, for tests that walk its routes. */
    Javalin javalin() {
        return http;
    }

    private void listCounters(final Context ctx) {
        ctx.json(Map.of("counters", config.counters().stream().map(QueryApp::describe).toList()));
    }

    private static Map<String, Object> describe(final Counter c) {
        final Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", c.name());
        d.put("filter", Map.of("source", c.sources(), "event_type", c.eventTypes()));
        d.put("group_by", c.groupBy());
        d.put("key_format", String.join("|", c.groupBy()));
        d.put("windows", c.windows().stream().map(Durations::format).toList());
        d.put("grace", Durations.format(c.grace()));
        return d;
    }

    private void windowCounts(final Context ctx) {
        final Counter counter = Params.counter(ctx, config);
        final String key = Params.key(ctx);
        final List<Duration> sizes = Params.windows(ctx, counter);
        final Instant[] range = Params.range(ctx, sizes, clock.instant());
        final int limit = Params.positive(ctx, "limit", Params.DEFAULT_LIMIT, Params.MAX_LIMIT);
        final Cursor cursor = Params.cursor(ctx, sizes);
        router.answer(ctx, counts.state().keyStore(counter), key,
                at -> countsBody(counter, key, sizes, range, counts.windows(counter, sizes, key, range[0], range[1], cursor, limit, at)));
    }

    private Map<String, Object> countsBody(final Counter counter, final String key, final List<Duration> sizes,
                                           final Instant[] range, final Page page) {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("counter", counter.name());
        body.put("key", key);
        body.put("window", sizes.size() == 1 ? Durations.format(sizes.get(0)) : "all");
        body.put("from", range[0]);
        body.put("to", range[1]);
        body.put("windows", page.windows());
        body.put("next_cursor", page.next() == null ? null : page.next().encode());
        return body;
    }

    /** Several keys in one call: each key read where it lives, one forwarded request per other instance. */
    private void batch(final Context ctx) {
        final Counter counter = Params.counter(ctx, config);
        final List<String> keys = Params.keys(ctx);
        final List<Duration> sizes = Params.windows(ctx, counter);
        final Instant[] range = Params.range(ctx, sizes, clock.instant());
        final int limit = Params.positive(ctx, "limit", Params.DEFAULT_LIMIT, Params.MAX_LIMIT);
        final String store = counts.state().keyStore(counter);
        final Map<String, JsonNode> results = new LinkedHashMap<>();
        final Map<HostInfo, List<String>> remote = new LinkedHashMap<>();
        long staleness = 0;
        for (String key : keys) {
            final KeyQueryMetadata owner = router.locate(store, key);
            final java.util.function.Function<Local, Object> read = at -> entry(counter, key, sizes, range, limit, at);
            final Optional<Object> here = router.readHere(owner, store, read);
            if (here.isPresent()) {
                results.put(key, Json.MAPPER.valueToTree(here.get()));
            } else if (!owner.activeHost().equals(counts.self()) && !Forwarder.isForwarded(ctx)) {
                remote.computeIfAbsent(owner.activeHost(), h -> new ArrayList<>()).add(key);
            } else {
                staleness = Math.max(staleness, standby(ctx, owner, store, read, key, results));
            }
        }
        for (Map.Entry<HostInfo, List<String>> group : remote.entrySet()) {
            final Optional<HttpResponse<String>> answer = forwarder.get(group.getKey(), batchQuery(ctx, group.getValue()),
                    ctx.header("Authorization"));
            if (answer.isPresent() && answer.get().statusCode() == 200) {
                staleness = Math.max(staleness, answer.get().headers().firstValueAsLong(KeyRouter.STALENESS).orElse(0));
                readResults(answer.get().body()).forEach(results::put);
            } else if (answer.isPresent() && answer.get().statusCode() != 503) {
                Forwarder.relay(ctx, answer.get());
                return;
            } else {
                for (String key : group.getValue()) {
                    final KeyQueryMetadata owner = router.locate(store, key);
                    staleness = Math.max(staleness, standby(ctx, owner, store,
                            at -> entry(counter, key, sizes, range, limit, at), key, results));
                }
            }
        }
        ctx.header(KeyRouter.STALENESS, String.valueOf(staleness));
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("counter", counter.name());
        body.put("window", sizes.size() == 1 ? Durations.format(sizes.get(0)) : "all");
        body.put("from", range[0]);
        body.put("to", range[1]);
        body.put("results", keys.stream().map(results::get).toList());
        ctx.json(body);
    }

    private long standby(final Context ctx, final KeyQueryMetadata owner, final String store,
                         final java.util.function.Function<Local, Object> read, final String key, final Map<String, JsonNode> results) {
        final Local at = router.standby(owner, store, Params.maxStaleness(ctx)).orElseThrow(() -> KeyRouter.unavailable(
                "The counts for key '" + key + "' are being restored or moved, and no copy is here. Retry shortly."));
        results.put(key, Json.MAPPER.valueToTree(router.readStandby(ctx, at, read)));
        return at.stalenessOffsets();
    }

    private Map<String, Object> entry(final Counter counter, final String key, final List<Duration> sizes,
                                      final Instant[] range, final int limit, final Local at) {
        final Page page = counts.windows(counter, sizes, key, range[0], range[1], null, limit, at);
        final Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("key", key);
        entry.put("windows", page.windows());
        entry.put("next_cursor", page.next() == null ? null : page.next().encode());
        entry.put("staleness_offsets", at.stalenessOffsets());
        return entry;
    }

    private static String batchQuery(final Context ctx, final List<String> keys) {
        final StringBuilder query = new StringBuilder(ctx.path()).append('?');
        for (String key : keys) {
            query.append("key=").append(URLEncoder.encode(key, StandardCharsets.UTF_8)).append('&');
        }
        for (String name : List.of("window", "from", "to", "limit", "max_staleness")) {
            final String value = ctx.queryParam(name);
            if (value != null) {
                query.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8)).append('&');
            }
        }
        return query.substring(0, query.length() - 1);
    }

    private static Map<String, JsonNode> readResults(final String json) {
        try {
            final Map<String, JsonNode> results = new LinkedHashMap<>();
            Json.MAPPER.readTree(json).get("results").forEach(r -> results.put(r.get("key").asText(), r));
            return results;
        } catch (java.io.IOException | NullPointerException e) {
            throw KeyRouter.unavailable("Another processor instance answered with an unreadable body. Retry shortly.");
        }
    }

    private void total(final Context ctx) {
        final Counter counter = Params.counter(ctx, config);
        final String key = Params.key(ctx);
        router.answer(ctx, counts.state().keyStore(counter), key, at -> {
            final Map<String, Object> body = new LinkedHashMap<>();
            body.put("counter", counter.name());
            body.put("key", key);
            body.put("total", counts.total(counter, key, at));
            return body;
        });
    }

    private void top(final Context ctx) {
        final Counter counter = Params.counter(ctx, config);
        final Duration size = Params.window(ctx, counter);
        final Instant at = Params.instant(ctx, "at", clock.instant());
        final int n = Params.positive(ctx, "n", 10, 1000);
        ctx.json(top.top(ctx, counter, size, at, n));
    }

    private void ready(final Context ctx) {
        final Readiness.Status status = readiness.check();
        if (status.ready()) {
            ctx.json(Map.of("status", "ready"));
        } else {
            throw new ProblemException(Problem.of(503, "not-ready", "Not ready", status.detail()), Duration.ofSeconds(1), null);
        }
    }

    @Override
    public void close() {
        feed.close();   // first: ends the event streams, which would otherwise hold the server's stop
        if (http != null) {
            http.stop();
        }
        streamsMetrics.close();
        metrics.close();
    }
}
