package dev.tally.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.config.ConfigFile;
import dev.tally.processor.ProcessorApp;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.Json;

/**
 * The served OpenAPI document and the registered routes agree, both ways, and every status code a
 * route is seen to answer is documented for it. The processor is not started: every store read
 * answers 503, auth answers 401.
 */
class OpenApiTest {

    private static final String TOKEN = "a-query-token-of-some-length";

    @TempDir
    Path dir;

    private ProcessorApp processor;
    private QueryApp query;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, Set<Integer>> seen = new java.util.TreeMap<>();

    @BeforeEach
    void start() {
        final ProcessorConfig config = ProcessorConfig.from(ConfigFile.parse("OpenApiTest", """
                kafka: {bootstrap_servers: "127.0.0.1:1"}
                processor:
                  counters: [{name: by_type, group_by: [event_type], windows: [1m]}]
                query:
                  port: 0
                  auth: {tokens: [{env: QUERY_TOKEN}]}
                """), Map.of()).withStateDir(dir);
        processor = new ProcessorApp(config);
        query = new QueryApp(config, new CountsService(processor.streams(), config), Clock.systemUTC(),
                Map.of("QUERY_TOKEN", TOKEN)).start();
    }

    @AfterEach
    void stop() {
        query.close();
        processor.close();
    }

    @Test
    void shouldDocumentEveryRouteAndEveryAnswerOfIt() throws Exception {
        final JsonNode doc = Json.MAPPER.readTree(call("/openapi.json", true).body());
        final Set<String> documented = new TreeSet<>();
        doc.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames()
                .forEachRemaining(method -> documented.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey())));
        final Set<String> registered = new TreeSet<>();
        query.javalin().unsafe.internalRouter.allHttpHandlers().forEach(e ->
                registered.add(e.endpoint.method.name() + " " + e.endpoint.path));
        registered.removeIf(r -> !r.startsWith("GET ") && !r.startsWith("POST "));   // before-handlers, HEAD, OPTIONS
        assertThat(registered).isEqualTo(documented);

        for (String route : registered) {
            final String path = route.substring(route.indexOf(' ') + 1).replace("{counter}", "by_type");
            call(path, true);
            call(path, false);
            call(path + "?key=a&key=b", true);
            call(path + "?key=a", true);
            call(path + "?key=a&window=1m&from=2026-01-01T00:00:00Z&to=1700000000000&at=1700000000000&n=3&limit=5", true);
            call(path + "?key=a&from=yesterday", true);
            call(path.replace("by_type", "nope") + "?key=a", true);
        }
        for (Map.Entry<String, Set<Integer>> route : seen.entrySet()) {
            final JsonNode responses = doc.at("/paths/" + route.getKey().replace("~", "~0").replace("/", "~1") + "/get/responses");
            final List<Integer> codes = new ArrayList<>();
            responses.fieldNames().forEachRemaining(code -> codes.add(Integer.parseInt(code)));
            assertThat(codes).as(route.getKey()).containsAll(route.getValue());
        }
        assertThat(seen.get("/v1/counters/{counter}/counts")).contains(400, 401, 404, 503);
    }

    @Test
    void shouldKeepHealthOpenAndRefuseAWrongToken() throws Exception {
        assertThat(call("/healthz", false).statusCode()).isEqualTo(200);
        final HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(base() + "/v1/counters"))
                .header("Authorization", "Bearer not-the-token").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"tally\"");
        assertThat(call("/v1/counters", true).statusCode()).isEqualTo(200);
    }

    private String base() {
        return "http://127.0.0.1:" + query.port();
    }

    private HttpResponse<String> call(final String pathAndQuery, final boolean withToken) throws Exception {
        if (pathAndQuery.endsWith("/stream") || pathAndQuery.contains("/stream?")) {
            return streamStatus(pathAndQuery, withToken);
        }
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + pathAndQuery));
        if (withToken) {
            request.header("Authorization", "Bearer " + TOKEN);
        }
        final HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        record(pathAndQuery, response.statusCode());
        return response;
    }

    @Test
    void shouldTellAStreamRequestWithoutEventStreamAcceptWhatIsMissing() throws Exception {
        final HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create(base() + "/v1/counters/by_type/stream"))
                .header("Authorization", "Bearer " + TOKEN).header("Accept", "*/*").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(plain.statusCode()).isEqualTo(406);
        assertThat(plain.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(Json.MAPPER.readTree(plain.body()).get("detail").asText()).contains("Accept: text/event-stream");
    }

    /** An event stream does not end: only its status is read. */
    private HttpResponse<String> streamStatus(final String pathAndQuery, final boolean withToken) throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + pathAndQuery))
                .header("Accept", "text/event-stream");
        if (withToken) {
            request.header("Authorization", "Bearer " + TOKEN);
        }
        final HttpResponse<java.io.InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        response.body().close();
        record(pathAndQuery, response.statusCode());
        return null;
    }

    private void record(final String pathAndQuery, final int status) {
        final String path = pathAndQuery.split("\\?")[0];
        final String route = path.startsWith("/v1/counters/") ? path.replaceFirst("^/v1/counters/[^/]+", "/v1/counters/{counter}") : path;
        seen.computeIfAbsent(route, r -> new HashSet<>()).add(status);
    }
}
