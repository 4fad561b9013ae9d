package dev.tally.gateway;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tally.config.Durations;

import dev.tally.schemas.Json;

/**
 * Reads counts from the query API over HTTP, as any client does: a counter's {@code group_by}
 * ({@code GET /v1/counters}, kept once read), a key's all-time total ({@code /total}) and the count
 * of the window holding an instant ({@code /counts}). Every figure it returns is one the query API
 * answered, so it counts only events the processor counted.
 */
final class CountReader {

    /** What the query API answered for one key; {@code windowCount} null when no window was asked for. */
    record Figures(long total, Long windowCount) {
    }

    static final String DEFAULT_URL = "http://127.0.0.1:8081";
    // Per request; a command's answer waits for two before the event is written, and Slack and Discord give 3 s in all.
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final String base;
    private final String token;
    private final Map<String, List<String>> groupBys = new ConcurrentHashMap<>();

    /** @param token a bearer token, or null */
    CountReader(final String url, final String token) {
        this.base = (url == null ? DEFAULT_URL : url).replaceAll("/+$", "");
        this.token = token;
    }

    static CountReader of(final GatewayConfig.QueryApi query, final Map<String, String> env) {
        final String token = query == null || query.token() == null ? null
                : new String(query.token().resolve(env, "gateway.query.token"), StandardCharsets.UTF_8);
        return new CountReader(query == null ? null : query.url(), token);
    }

    /** The counter's group_by fields, as the processor's counter definition lists them. */
    CompletableFuture<List<String>> groupBy(final String counter) {
        final List<String> known = groupBys.get(counter);
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        return get("/v1/counters").thenApply(body -> {
            for (JsonNode c : body.path("counters")) {
                if (counter.equals(c.path("name").asText())) {
                    final List<String> fields = new ArrayList<>();
                    c.path("group_by").forEach(f -> fields.add(f.asText()));
                    groupBys.put(counter, List.copyOf(fields));
                    return List.copyOf(fields);
                }
            }
            throw new IllegalStateException("the query API has no counter '" + counter + "'");
        });
    }

    /** The key's total and, when {@code window} is set, the count of its window of that size holding {@code at}. */
    CompletableFuture<Figures> figures(final String counter, final String key, final Duration window, final Instant at) {
        final String path = "/v1/counters/" + encode(counter);
        final CompletableFuture<Long> total = get(path + "/total?key=" + encode(key)).thenApply(b -> b.path("total").asLong());
        if (window == null) {
            return total.thenApply(t -> new Figures(t, null));
        }
        final CompletableFuture<Long> count = get(path + "/counts?key=" + encode(key) + "&window=" + encode(Durations.format(window))
                + "&from=" + at.minus(window).toEpochMilli() + "&to=" + at.toEpochMilli()).thenApply(b -> windowCount(b, at));
        return total.thenCombine(count, Figures::new);
    }

    /** The count of the latest-starting window that holds {@code at}; 0 when none has a count. */
    private static long windowCount(final JsonNode body, final Instant at) {
        long count = 0;
        Instant latest = Instant.MIN;
        for (JsonNode w : body.path("windows")) {
            final Instant start = Instant.parse(w.path("start").asText());
            final Instant end = Instant.parse(w.path("end").asText());
            if (!start.isAfter(at) && end.isAfter(at) && start.isAfter(latest)) {
                latest = start;
                count = w.path("count").asLong();
            }
        }
        return count;
    }

    private CompletableFuture<JsonNode> get(final String path) {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray()).thenApply(response -> {
            if (response.statusCode() != 200) {
                throw new IllegalStateException("the query API answered " + response.statusCode() + " to " + path);
            }
            try {
                return Json.MAPPER.readTree(response.body());
            } catch (IOException e) {
                throw new IllegalStateException("the query API answered unreadable JSON to " + path, e);
            }
        });
    }

    private static String encode(final String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
