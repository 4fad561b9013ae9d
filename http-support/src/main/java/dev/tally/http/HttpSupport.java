package dev.tally.http;

import java.time.Duration;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;

import dev.tally.schemas.Json;
import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;

/**
 * What the gateway and the query API set up alike: bind address, Tally's JSON mapper, and every
 * error answered as RFC 9457 {@code application/problem+json} from one place.
 */
public final class HttpSupport {

    private HttpSupport() {
    }

    /**
     * @param routeHint what an unknown path's 404 should suggest, such as "Deliver webhooks with POST /webhooks/{source}."
     */
    public static void configure(final JavalinConfig c, final String host, final int port, final String routeHint) {
        c.jetty.host = host;
        c.jetty.port = port;
        c.startup.showJavalinBanner = false;
        // Javalin copies each result into the response through a new buffer of this size; left unset it takes
        // Jetty's output buffer size (32 KiB), allocated and zeroed for every answer of a few hundred bytes. Most
        // answers (a 202, a problem, a count) fit in 1 KiB; a larger one is copied in several writes to Jetty's buffer.
        c.http.responseBufferSize = 1024;
        c.jsonMapper(new JavalinJackson(Json.MAPPER, false));
        c.routes.exception(ProblemException.class, (e, ctx) -> problem(ctx, e));
        // Javalin's own rejections (no such route, body too large, …) in the same format.
        c.routes.exception(HttpResponseException.class, (e, ctx) -> problem(ctx, switch (e.getStatus()) {
            case 404 -> ProblemException.notFound("no-route", "No route " + ctx.method() + " " + ctx.path() + ". " + routeHint);
            case 413 -> new ProblemException(Problem.of(413, "body-too-large", "Body too large",
                    "The body is larger than this server accepts (max_body_bytes)."));
            default -> new ProblemException(Problem.of(e.getStatus(), "http-" + e.getStatus(), e.getMessage(), e.getMessage()));
        }));
    }

    /** Answers with {@code e}'s problem, and {@code Retry-After} when it has one. */
    public static void problem(final Context ctx, final ProblemException e) {
        final Problem p = e.problem().at(ctx.path());
        final Duration retryAfter = e.retryAfter();
        if (retryAfter != null) {
            ctx.header("Retry-After", String.valueOf(Math.max(1, retryAfter.toSeconds())));
        }
        ctx.status(p.status()).contentType(Problem.CONTENT_TYPE).result(p.toJson());
    }
}
