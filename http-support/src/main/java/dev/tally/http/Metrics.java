package dev.tally.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * One Micrometer registry per app, scraped by Prometheus at {@code GET /metrics}. Shared by the
 * gateway and the query API: each app creates one with {@link #create}, registers its own meters
 * on {@link #registry()}, and adds the route with {@link #route} inside {@code Javalin.create}.
 */
public final class Metrics implements AutoCloseable {

    /** The Prometheus text exposition format that {@link PrometheusMeterRegistry#scrape()} writes. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;

    private Metrics(final PrometheusMeterRegistry registry) {
        this.registry = registry;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        this.gc = new JvmGcMetrics();
        gc.bindTo(registry);
    }

    /** @param app tagged on every meter as {@code app}, such as "gateway" */
    public static Metrics create(final String app) {
        final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("app", app);
        return new Metrics(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Adds {@code GET /metrics}. */
    public void route(final JavalinConfig c) {
        c.routes.get("/metrics", this::scrape);
    }

    private void scrape(final Context ctx) {
        ctx.contentType(CONTENT_TYPE).result(registry.scrape());
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
