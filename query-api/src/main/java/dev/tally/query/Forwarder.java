package dev.tally.query;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.javalin.http.Context;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks another processor instance's query API, which holds the state for a key, with a bounded
 * timeout. Every forwarded request carries {@link #HOP_HEADER}, and an instance never forwards a
 * request that carries it: a query crosses at most one hop, even while instances disagree about
 * who owns what during a rebalance.
 */
final class Forwarder {

    /** Set on forwarded requests to the forwarding instance's {@code host:port}. */
    static final String HOP_HEADER = "Tally-Forwarded-By";
    /** Headers of the owner's answer passed on to the client. */
    private static final List<String> RELAYED = List.of("Retry-After", KeyRouter.SERVED_BY, KeyRouter.REPLICA,
            KeyRouter.STALENESS);
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

    private final HttpClient client;
    private final HostInfo self;
    private final Duration timeout;

    Forwarder(final HostInfo self, final Duration timeout) {
        this.self = self;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    static boolean isForwarded(final Context ctx) {
        return ctx.header(HOP_HEADER) != null;
    }

    /** GET {@code pathAndQuery} on {@code owner}; empty when it cannot be reached in time. */
    Optional<HttpResponse<String>> get(final HostInfo owner, final String pathAndQuery, final String authorization) {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + owner.host() + ":" + owner.port() + pathAndQuery))
                .timeout(timeout)
                .header(HOP_HEADER, self.host() + ":" + self.port())
                .GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            return Optional.of(client.send(request.build(), HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            LOG.debug("query API at {}:{} unreachable: {}", owner.host(), owner.port(), e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Answers {@code ctx} with the owner's answer: status, body, content type and Tally's headers. */
    static void relay(final Context ctx, final HttpResponse<String> response) {
        ctx.status(response.statusCode());
        response.headers().firstValue("Content-Type").ifPresent(ctx::contentType);
        for (String name : RELAYED) {
            response.headers().firstValue(name).ifPresent(value -> ctx.header(name, value));
        }
        ctx.result(response.body());
    }
}
