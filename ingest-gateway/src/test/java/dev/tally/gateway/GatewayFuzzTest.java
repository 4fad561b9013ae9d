package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random headers and bodies against a running gateway whose producer only records: nothing
 * escapes as a 500, no 5xx but 503, and nothing reaches the raw topic unless it was signed with
 * the source's secret.
 */
class GatewayFuzzTest {

    private static final Map<String, String> ENV = Map.of("SHOP_SECRET", DeliveryScenario.SECRET, "ZAP_TOKEN", "zap-token");
    private static final Set<String> HEADER_NAMES = Set.of("X-Signature", "Content-Type", "X-Forwarded-For", "Authorization",
            "Idempotency-Key", "X-Timestamp", "Content-Encoding", "X-GitHub-Delivery");
    private static TestGateway gateway;
    private static HttpClient http;

    /** One generated request: where, which headers, which body, and whether to sign it properly. */
    record Attempt(String source, Map<String, String> headers, String body, boolean sign) {
    }

    @BeforeContainer
    static void start() {
        gateway = TestGateway.start("""
                sources:
                  shop:
                    secrets: [{env: SHOP_SECRET}]
                    max_body_bytes: 4096
                  zap:
                    scheme: token
                    secrets: [{env: ZAP_TOKEN}]
                """, ENV);
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterContainer
    static void stop() {
        gateway.close();
    }

    @Property(tries = 600)
    void shouldNeverFailWithA500NorWriteAnUnsignedDelivery(@ForAll("attempts") final Attempt attempt) throws Exception {
        final int before = gateway.events.history().size();
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.base + "/webhooks/" + attempt.source()))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(attempt.body()));
        attempt.headers().forEach(request::header);
        if (attempt.sign()) {
            final Delivery signed = DeliveryScenario.valid().withBody(attempt.body()).build();
            request.setHeader("X-Signature", signed.header("X-Signature"));
            request.setHeader("Authorization", "Bearer zap-token");
        }
        final HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isNotEqualTo(500);
        assertThat(response.statusCode() < 500 || response.statusCode() == 503).as(response.body()).isTrue();
        final int written = gateway.events.history().size() - before;
        if (!attempt.sign()) {
            assertThat(written).as("nothing written without a valid signature").isZero();
            assertThat(response.statusCode()).isNotIn(200, 202);
        }
        if (response.statusCode() == 202) {
            assertThat(written).isPositive();
        }
    }

    @Provide
    Arbitrary<Attempt> attempts() {
        final Arbitrary<String> source = Arbitraries.of("shop", "zap", "nope", "shop%20", "SHOP");
        final Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.strings().ascii().ofMaxLength(60).map(s -> s.replaceAll("[\\r\\n\\x00-\\x1f\\x7f]", "")),
                Arbitraries.of("sha256=", "sha256=00", "sha256=zz", "application/json", "text/plain", "multipart/form-data",
                        "Bearer ", "Bearer zap-token2", "1.2.3.4", "::1, 10.0.0.1", "999.1.1.1", "gzip", ""));
        final Arbitrary<Map<String, String>> headers = Arbitraries.maps(Arbitraries.of(HEADER_NAMES), value).ofMaxSize(5);
        final Arbitrary<String> body = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(300),
                Arbitraries.strings().withChars("{}[]\":,0123456789abcdefnulltrue ").ofMaxLength(200),
                Arbitraries.of(List.of(
                        "{\"event_id\":\"e1\",\"event_type\":\"t\",\"timestamp\":\"2026-11-22T10:00:00Z\",\"schema_version\":\"1\"}",
                        "{\"event_id\":\"\",\"event_type\":\"t\",\"timestamp\":\"-999999999-01-01T00:00:00Z\",\"schema_version\":\"1\"}",
                        "{\"event_id\":\"e1\",\"event_type\":\"t\",\"timestamp\":\"1969-12-31T23:59:59Z\",\"schema_version\":\"1\"}",
                        "[1,2,3]", "null", "\"text\"", "{\"a\":" + "[".repeat(2000) + "}",
                        "x".repeat(5000))),
                Arbitraries.strings().ofMaxLength(50).map(s -> new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)));
        return Combinators.combine(source, headers, body, Arbitraries.of(true, false)).as(Attempt::new);
    }
}
