package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Json;

/** Which paths {@link Intake#route} serves as {@code POST /webhooks/{source}}: those Javalin matched before it. */
class IngestRouteTest {

    @Test
    void shouldServeOneDecodedSegmentWithOrWithoutATrailingSlash() {
        assertThat(Intake.source("/webhooks/shop", "/webhooks/")).isEqualTo("shop");
        assertThat(Intake.source("/webhooks/shop/", "/webhooks/")).isEqualTo("shop");
        assertThat(Intake.source("/webhooks/my%20shop", "/webhooks/")).isEqualTo("my shop");
    }

    @Test
    void shouldLeaveEveryOtherPathToJavalin() {
        assertThat(Intake.source("/webhooks/", "/webhooks/")).isNull();
        assertThat(Intake.source("/webhooks", "/webhooks/")).isNull();
        assertThat(Intake.source("/webhooks//", "/webhooks/")).isNull();
        assertThat(Intake.source("/webhooks/shop/extra", "/webhooks/")).isNull();
        assertThat(Intake.source("/webhooks/shop//", "/webhooks/")).isNull();
        assertThat(Intake.source("/hooks/shop", "/webhooks/")).isNull();
        assertThat(Intake.source("/metrics", "/webhooks/")).isNull();
        assertThat(Intake.source(null, "/webhooks/")).isNull();
    }

    @Test
    void shouldAnswerOverHttpAsJavalinDidAroundIt() throws Exception {
        try (TestGateway gw = TestGateway.start("sources:\n  shop:\n    secrets: [{env: SHOP_SECRET}]\n",
                Map.of("SHOP_SECRET", DeliveryScenario.SECRET))) {
            final HttpResponse<String> accepted = gw.postSigned("shop/", DeliveryScenario.valid().build());
            assertThat(accepted.statusCode()).isEqualTo(202);
            assertThat(accepted.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(Json.MAPPER.readTree(accepted.body()).get("source").asText()).isEqualTo("shop");

            final HttpResponse<String> unknown = gw.postSigned("nope", DeliveryScenario.valid().build());
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(Json.MAPPER.readTree(unknown.body()).get("instance").asText()).isEqualTo("/webhooks/nope");
            assertThat(unknown.body()).contains("unknown-source").contains("shop");

            // Not this route: Javalin answers, in the same problem format.
            final HttpResponse<String> nested = gw.postSigned("shop/extra", DeliveryScenario.valid().build());
            assertThat(nested.statusCode()).isEqualTo(404);
            assertThat(nested.body()).contains("no-route");
            assertThat(gw.get("/webhooks/shop").body()).contains("no-route");
            assertThat(gw.get("/healthz").statusCode()).isEqualTo(200);
        }
    }
}
