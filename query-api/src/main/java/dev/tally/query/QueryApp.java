package dev.tally.query;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.config.Durations;
import dev.tally.http.HttpSupport;
import dev.tally.http.Metrics;
import dev.tally.processor.Counter;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.GroupKey;
import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;

/**
 * The query API's HTTP routes, all declared in {@link #start}; it runs in the processor's JVM,
 * next to the state stores.
 *
 * <ul>
 *   <li>{@code GET /v1/counters}: the counter definitions.</li>
 *   <li>{@code GET /v1/counters/{counter}/counts?key=&window=&from=&to=}: each window's start, end and count.</li>
 *   <li>{@code GET /v1/counters/{counter}/total?key=}: the all-time total.</li>
 *   <li>{@code GET /healthz}, {@code GET /readyz} (the processor is RUNNING), {@code GET /metrics} (Prometheus).</li>
 * </ul>
 */
public final class QueryApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueryApp.class);
    /** How many windows a count query spans when {@code from} is not given. */
    static final int DEFAULT_WINDOWS_BACK = 60;

    private final ProcessorConfig config;
    private final CountsService counts;
    private final Clock clock;
    private final Metrics metrics = Metrics.create("query");
    private final KafkaStreamsMetrics streamsMetrics;
    private Javalin http;

    public QueryApp(final ProcessorConfig config, final CountsService counts, final Clock clock) {
        this.config = config;
        this.counts = counts;
        this.clock = clock;
        // Kafka Streams' own metrics, Tally's duplicates-total and late-total among them.
        this.streamsMetrics = new KafkaStreamsMetrics(counts.streams());
        streamsMetrics.bindTo(metrics.registry());
    }

    public static HostInfo advertised(final ProcessorConfig config) {
        return new HostInfo(config.advertisedHost(), config.queryPort());
    }

    public QueryApp start() {
        http = Javalin.create(c -> {
            HttpSupport.configure(c, config.queryHost(), config.queryPort(), "See GET /v1/counters.");
            metrics.route(c);
            c.routes.get("/v1/counters", this::listCounters);
            c.routes.get("/v1/counters/{counter}/counts", this::windowCounts);
            c.routes.get("/v1/counters/{counter}/total", this::total);
            c.routes.get("/healthz", ctx -> ctx.json(Map.of("status", "up")));
            c.routes.get("/readyz", this::ready);
        }).start();
        LOG.info("query API listening on http://{}:{}", config.queryHost(), http.port());
        return this;
    }

    public int port() {
        return http.port();
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
        final Counter counter = counter(ctx);
        final String key = requiredKey(ctx);
        final String windowParam = ctx.queryParam("window");
        final Duration size = windowParam == null ? counter.windows().get(0) : counter.window(windowParam);
        if (size == null) {
            throw ProblemException.badRequest("Counter '" + counter.name() + "' has no window '" + windowParam
                    + "'. Its windows: " + counter.windows().stream().map(Durations::format).toList() + ".");
        }
        final Instant to = instant(ctx, "to", clock.instant());
        final Instant from = instant(ctx, "from", to.minus(size.multipliedBy(DEFAULT_WINDOWS_BACK)));
        if (from.isAfter(to)) {
            throw ProblemException.badRequest("'from' (" + from + ") is after 'to' (" + to + ").");
        }
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("counter", counter.name());
        body.put("key", key);
        body.put("window", Durations.format(size));
        body.put("from", from);
        body.put("to", to);
        body.put("windows", counts.windows(counter, size, key, from, to));
        ctx.json(body);
    }

    private void total(final Context ctx) {
        final Counter counter = counter(ctx);
        final String key = requiredKey(ctx);
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("counter", counter.name());
        body.put("key", key);
        body.put("total", counts.total(counter, key));
        ctx.json(body);
    }

    private void ready(final Context ctx) {
        if (counts.isRunning()) {
            ctx.json(Map.of("status", "ready"));
        } else {
            throw new ProblemException(Problem.of(503, "not-ready", "Not ready",
                    "The processor is not RUNNING yet (starting, restoring or rebalancing)."), Duration.ofSeconds(1), null);
        }
    }

    private Counter counter(final Context ctx) {
        final String name = ctx.pathParam("counter");
        final Counter counter = config.counter(name);
        if (counter == null) {
            throw ProblemException.notFound("unknown-counter", "No counter named '" + name + "'. Counters: "
                    + config.counters().stream().map(Counter::name).toList() + ".");
        }
        return counter;
    }

    private static String requiredKey(final Context ctx) {
        final String key = ctx.queryParam("key");
        if (key == null) {
            throw ProblemException.badRequest("The 'key' query parameter is required: the group-by values joined by '"
                    + GroupKey.SEPARATOR + "' (see GET /v1/counters for each counter's key_format).");
        }
        return key;
    }

    /** ISO 8601 with an offset, or epoch milliseconds. */
    private static Instant instant(final Context ctx, final String name, final Instant fallback) {
        final String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            return text.chars().allMatch(Character::isDigit) ? Instant.ofEpochMilli(Long.parseLong(text))
                    : OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException | NumberFormatException e) {
            throw ProblemException.badRequest("'" + name + "' must be an ISO 8601 date-time with an offset "
                    + "(2026-11-22T10:15:00Z) or epoch milliseconds, got '" + text + "'.");
        }
    }

    @Override
    public void close() {
        if (http != null) {
            http.stop();
        }
        streamsMetrics.close();
        metrics.close();
    }
}
