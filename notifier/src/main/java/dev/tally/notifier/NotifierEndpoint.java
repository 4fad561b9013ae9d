package dev.tally.notifier;

import java.util.Map;

import io.javalin.Javalin;

import dev.tally.http.HttpSupport;
import dev.tally.http.Metrics;

/**
 * {@code tally notifier}'s own HTTP endpoint: {@code GET /metrics} (Prometheus) and {@code GET /healthz}.
 * Inside {@code tally up} and {@code tally processor} the notifier's meters go to the query API's
 * {@code /metrics} instead, and this endpoint does not run.
 */
public final class NotifierEndpoint implements AutoCloseable {

    private final Metrics metrics;
    private final Javalin http;

    public NotifierEndpoint(final NotifierConfig config, final Metrics metrics) {
        this.metrics = metrics;
        this.http = Javalin.create(c -> {
            HttpSupport.configure(c, config.host(), config.port(), "The notifier serves GET /metrics and GET /healthz.");
            c.routes.get("/healthz", ctx -> ctx.json(Map.of("status", "up")));
            metrics.route(c);
        });
    }

    public NotifierEndpoint start() {
        http.start();
        return this;
    }

    public int port() {
        return http.port();
    }

    @Override
    public void close() {
        http.stop();
        metrics.close();
    }
}
