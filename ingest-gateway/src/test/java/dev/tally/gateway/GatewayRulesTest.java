package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.schemas.Json;

/** One scenario per admission rule, each with its exact status, against a running gateway. */
class GatewayRulesTest {

    private static final Map<String, String> ENV = Map.of("SHOP_SECRET", DeliveryScenario.SECRET);

    @TempDir
    Path dir;

    private static TestGateway gateway(final String sourceSettings, final String gatewaySettings) {
        return TestGateway.start(gatewaySettings + "sources:\n  shop:\n    secrets: [{env: SHOP_SECRET}]\n"
                + sourceSettings.indent(4), ENV);
    }

    private static Delivery valid() {
        return DeliveryScenario.valid().build();
    }

    @Test
    void shouldAnswer413FromContentLengthWithoutWritingAnything() throws Exception {
        try (TestGateway gw = gateway("max_body_bytes: 100", "")) {
            final HttpResponse<String> response = gw.postSigned("shop", valid());
            assertThat(response.statusCode()).isEqualTo(413);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(response.body()).contains("max_body_bytes (100 bytes)");
            assertThat(gw.events.history()).isEmpty();
        }
    }

    @Test
    void shouldAnswer413ForAnUnannouncedChunkedBodyOverTheLimit() throws Exception {
        try (TestGateway gw = gateway("max_body_bytes: 100", "")) {
            final Delivery delivery = valid();
            final HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gw.base + "/webhooks/shop"))
                    .header("X-Signature", delivery.header("X-Signature"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(delivery.body()))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(413);
        }
    }

    @Test
    void shouldApplyTheDefaultOfOneMebibyteAndAcceptABodyUnderIt() throws Exception {
        try (TestGateway gw = gateway("", "")) {
            assertThat(gw.postSigned("shop", valid()).statusCode()).isEqualTo(202);
            final Delivery large = DeliveryScenario.valid().withBody("x".repeat(1024 * 1024 + 1)).build();
            assertThat(gw.postSigned("shop", large).statusCode()).isEqualTo(413);
        }
    }

    @Test
    void shouldAcceptABodyOfExactlyTheLimitAndRefuseOneByteMore() throws Exception {
        final Delivery exact = valid();
        final int limit = exact.body().length;
        try (TestGateway gw = gateway("max_body_bytes: " + limit, "")) {
            // The signature covers every byte: a 202 means the body was read whole, into an array of its announced length.
            assertThat(gw.postSigned("shop", exact).statusCode()).isEqualTo(202);
            final Delivery over = DeliveryScenario.valid().withBody(new String(exact.body(), StandardCharsets.UTF_8) + " ").build();
            assertThat(over.body()).hasSize(limit + 1);
            assertThat(gw.postSigned("shop", over).statusCode()).isEqualTo(413);
            assertThat(gw.events.history()).hasSize(1);
        }
    }

    @Test
    void shouldLetTheSenderOfATooLargeBodyReadIts413() throws Exception {
        // Answered while the client still sent, the connection was reset and the client lost the 413: 1 in 60 on a busy machine.
        try (TestGateway gw = gateway("", "")) {
            final Delivery large = DeliveryScenario.valid().withBody("x".repeat(1024 * 1024 + 1)).build();
            for (int i = 0; i < 40; i++) {
                assertThat(gw.postSigned("shop", large).statusCode()).as("delivery %d", i).isEqualTo(413);
            }
        }
    }

    @Test
    void shouldAnswer415ForAContentTypeTheSourceDoesNotAccept() throws Exception {
        try (TestGateway gw = gateway("", "")) {
            final HttpResponse<String> form = gw.postSigned("shop", valid(), "Content-Type", "application/x-www-form-urlencoded");
            assertThat(form.statusCode()).isEqualTo(415);
            assertThat(form.body()).contains("send application/json");
            assertThat(gw.postSigned("shop", valid(), "Content-Type", "Application/JSON; charset=utf-8").statusCode()).isEqualTo(202);
        }
    }

    @Test
    void shouldAcceptTheConfiguredContentTypes() throws Exception {
        try (TestGateway gw = gateway("content_types: [application/vnd.shop+json]", "")) {
            assertThat(gw.postSigned("shop", valid(), "Content-Type", "application/vnd.shop+json").statusCode()).isEqualTo(202);
            assertThat(gw.postSigned("shop", valid(), "Content-Type", "application/json").statusCode()).isEqualTo(415);
        }
    }

    @Test
    void shouldAnswer429WithRetryAfterOnceTheSourceBucketIsEmpty() throws Exception {
        try (TestGateway gw = gateway("rate_limit: {per_source: 2/m}", "")) {
            assertThat(gw.postSigned("shop", valid()).statusCode()).isEqualTo(202);
            assertThat(gw.postSigned("shop", valid()).statusCode()).isEqualTo(202);
            final HttpResponse<String> limited = gw.postSigned("shop", valid());
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(
                    s -> assertThat(Integer.parseInt(s)).isBetween(1, 60));
            assertThat(limited.body()).contains("rate_limit.per_source (2/m)");
        }
    }

    @Test
    void shouldLimitEachClientAddressOnItsOwn() throws Exception {
        try (TestGateway gw = gateway("rate_limit: {per_ip: 1/h}", "trusted_proxies: [127.0.0.1]\n")) {
            assertThat(gw.postSigned("shop", valid(), "X-Forwarded-For", "203.0.113.1").statusCode()).isEqualTo(202);
            final HttpResponse<String> limited = gw.postSigned("shop", valid(), "X-Forwarded-For", "203.0.113.1");
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("Retry-After")).isPresent();
            assertThat(gw.postSigned("shop", valid(), "X-Forwarded-For", "203.0.113.2").statusCode()).isEqualTo(202);
        }
    }

    @Test
    void shouldAnswer403ToAnAddressOutsideTheAllowlist() throws Exception {
        try (TestGateway gw = gateway("allow_ips: [203.0.113.0/24]", "trusted_proxies: [127.0.0.0/8]\n")) {
            assertThat(gw.postSigned("shop", valid(), "X-Forwarded-For", "203.0.113.7").statusCode()).isEqualTo(202);
            final HttpResponse<String> outside = gw.postSigned("shop", valid(), "X-Forwarded-For", "198.51.100.1");
            assertThat(outside.statusCode()).isEqualTo(403);
            assertThat(outside.body()).contains("198.51.100.1");
            assertThat(gw.postSigned("shop", valid()).statusCode()).as("the proxy itself is not allowed").isEqualTo(403);
            assertThat(gw.postSigned("shop", valid(), "X-Forwarded-For", "203.0.113.7, 198.51.100.1").statusCode())
                    .as("only the hop the trusted proxy added counts, not what the client wrote before it").isEqualTo(403);
        }
    }

    @Test
    void shouldIgnoreXForwardedForFromAnUntrustedPeer() throws Exception {
        try (TestGateway gw = gateway("allow_ips: [203.0.113.0/24]", "trusted_proxies: [10.0.0.0/8]\n")) {
            final HttpResponse<String> spoofed = gw.postSigned("shop", valid(), "X-Forwarded-For", "203.0.113.7");
            assertThat(spoofed.statusCode()).isEqualTo(403);
            assertThat(spoofed.body()).contains("127.0.0.1 is not among them");
        }
        try (TestGateway gw = gateway("allow_ips: [127.0.0.1, \"::1\"]", "")) {
            assertThat(gw.postSigned("shop", valid(), "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(202);
        }
    }

    @Test
    void shouldAnswer400NamingTheFieldThatDoesNotMatchTheSourceSchema() throws Exception {
        final Path schema = dir.resolve("shop-order.schema.json");
        Files.writeString(schema, """
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "required": ["payload"],
                 "properties": {"payload": {"type": "object", "required": ["plan"],
                   "properties": {"plan": {"enum": ["free", "pro"]}}}}}""");
        try (TestGateway gw = gateway("schema: " + schema, "")) {
            assertThat(gw.postSigned("shop", valid()).statusCode()).isEqualTo(202);
            final HttpResponse<String> wrong = gw.postSigned("shop", DeliveryScenario.valid().withBody("""
                    {"event_id":"evt-2","event_type":"order.created","timestamp":"2026-11-22T09:59:58Z","schema_version":"1","payload":{"plan":"gold"}}""")
                    .build());
            assertThat(wrong.statusCode()).isEqualTo(400);
            assertThat(Json.MAPPER.readTree(wrong.body()).get("detail").asText())
                    .contains("shop-order.schema.json at /payload/plan: does not have a value in the enumeration");
            assertThat(gw.events.history()).hasSize(1);
        }
    }

    @Test
    void shouldCheckTheSignatureBeforeTheSchema() throws Exception {
        final Path schema = dir.resolve("strict.schema.json");
        Files.writeString(schema, "{\"type\": \"array\"}");
        try (TestGateway gw = gateway("schema: " + schema, "")) {
            final Delivery unsigned = DeliveryScenario.valid().without("X-Signature").build();
            assertThat(gw.postSigned("shop", unsigned).statusCode()).isEqualTo(401);
        }
    }
}
