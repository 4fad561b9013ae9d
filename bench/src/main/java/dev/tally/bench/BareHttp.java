package dev.tally.bench;

import java.util.Map;

import io.javalin.Javalin;

/**
 * The HTTP ceiling of this stack: a bare Javalin server on 127.0.0.1 whose POST reads the body and
 * answers 200, and whose GET answers a small JSON object. The baseline for ingest and query.
 */
final class BareHttp implements AutoCloseable {

    private final Javalin http;

    BareHttp() {
        http = Javalin.create(c -> {
            c.jetty.host = "127.0.0.1";
            c.jetty.port = 0;
            c.startup.showJavalinBanner = false;
            c.routes.post("/echo/{source}", ctx -> {
                ctx.bodyAsBytes();
                ctx.status(200);
            });
            c.routes.get("/total", ctx -> ctx.json(Map.of("counter", "by_key", "key", ctx.queryParam("key"), "total", 1)));
        }).start();
    }

    String url() {
        return "http://127.0.0.1:" + http.port();
    }

    int port() {
        return http.port();
    }

    @Override
    public void close() {
        http.stop();
    }
}
