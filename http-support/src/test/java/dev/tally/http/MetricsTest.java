package dev.tally.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import io.javalin.Javalin;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void shouldServeTheRegistryInPrometheusFormat() throws Exception {
        try (Metrics metrics = Metrics.create("test")) {
            metrics.registry().counter("tally.test.things", "kind", "a").increment(3);
            final Javalin app = Javalin.create(c -> {
                HttpSupport.configure(c, "127.0.0.1", 0, "");
                metrics.route(c);
            }).start();
            try {
                final HttpResponse<String> response = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
                assertThat(response.body()).contains("tally_test_things_total{app=\"test\",kind=\"a\"} 3.0");
                assertThat(response.body()).contains("jvm_memory_used_bytes");
            } finally {
                app.stop();
            }
        }
    }
}
