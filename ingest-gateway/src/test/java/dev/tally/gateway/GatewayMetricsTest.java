package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** {@code GET /metrics} counts deliveries by source and outcome, in Prometheus text format. */
class GatewayMetricsTest {

    @Test
    void shouldCountRequestsBySourceAndStatus() throws Exception {
        final Map<String, String> env = Map.of("SHOP_SECRET", DeliveryScenario.SECRET);
        try (TestGateway gw = TestGateway.start("sources:\n  shop:\n    secrets: [{env: SHOP_SECRET}]\n", env)) {
            gw.postSigned("shop", DeliveryScenario.valid().build());
            gw.postSigned("shop", DeliveryScenario.valid().build());
            gw.postSigned("shop", DeliveryScenario.valid().signedWith("wrong").build());
            gw.postSigned("no-such-source-" + System.nanoTime(), DeliveryScenario.valid().build());

            final HttpResponse<String> scrape = gw.get("/metrics");
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
            assertThat(scrape.body())
                    .contains("tally_gateway_requests_total{app=\"gateway\",source=\"shop\",status=\"202\"} 2.0")
                    .contains("tally_gateway_requests_total{app=\"gateway\",source=\"shop\",status=\"401\"} 1.0")
                    .contains("tally_gateway_requests_total{app=\"gateway\",source=\"unknown\",status=\"404\"} 1.0")
                    .contains("tally_gateway_rejections_total{app=\"gateway\",reason=\"signature\",source=\"shop\"} 1.0")
                    .contains("tally_gateway_produce_latency_seconds_bucket{app=\"gateway\",outcome=\"acked\"")
                    .contains("tally_gateway_requests_in_flight{app=\"gateway\"} 0.0");
            // The same meters, as the dashboard's pipeline view reads them (tally up): a path naming no
            // source is a 404 with no rejection reason, so it is not among a source's rejections.
            assertThat(gw.app.traffic()).containsExactly(new Traffic("shop", Traffic.ACCEPTED, 2), new Traffic("shop", "signature", 1));
        }
    }
}
