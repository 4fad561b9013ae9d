package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Json;

/** Which paths {@link Intake#route} serves as {@code POST /webhooks/{source}}: those Javalin matched before it. */
class IngestRouteTest {

    @Test
    void shouldServeOneSegmentWithOrWithoutATrailingSlash() {
        assertThat(Intake.segment("/webhooks/shop", "/webhooks/")).isEqualTo("shop");
        assertThat(Intake.segment("/webhooks/shop/", "/webhooks/")).isEqualTo("shop");
        assertThat(Intake.segment("/webhooks/my%20shop", "/webhooks/")).isEqualTo("my%20shop");
    }

    @Test
    void shouldLeaveEveryOtherPathToJavalin() {
        assertThat(Intake.segment("/webhooks/", "/webhooks/")).isNull();
        assertThat(Intake.segment("/webhooks", "/webhooks/")).isNull();
        assertThat(Intake.segment("/webhooks//", "/webhooks/")).isNull();
        assertThat(Intake.segment("/webhooks/shop/extra", "/webhooks/")).isNull();
        assertThat(Intake.segment("/webhooks/shop//", "/webhooks/")).isNull();
        assertThat(Intake.segment("/hooks/shop", "/webhooks/")).isNull();
        assertThat(Intake.segment("/metrics", "/webhooks/")).isNull();
        assertThat(Intake.segment(null, "/webhooks/")).isNull();
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
            // The segment is percent-decoded, as Javalin decoded path parameters.
            assertThat(gw.postSigned("my%20shop", DeliveryScenario.valid().build()).body()).contains("No source named 'my shop'");

            // Not this route: Javalin answers, in the same problem format.
            final HttpResponse<String> nested = gw.postSigned("shop/extra", DeliveryScenario.valid().build());
            assertThat(nested.statusCode()).isEqualTo(404);
            assertThat(nested.body()).contains("no-route");
            assertThat(gw.get("/webhooks/shop").body()).contains("no-route");
            assertThat(gw.get("/healthz").statusCode()).isEqualTo(200);
        }
    }

    /**
     * Refused before its body arrived (GatewayFuzzTest found it: an unknown source, the body sent after the
     * headers): the answer says the connection closes, as Jetty then closes it; without that a client sent its
     * next request on the connection and got no answer at all.
     */
    @Test
    void shouldSayTheConnectionClosesWhenItAnswersBeforeTheBodyArrived() throws Exception {
        final String answer = exchange("POST /webhooks/nope HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 10\r\n\r\n");   // and the body never

        assertThat(answer).startsWith("HTTP/1.1 404").contains("unknown-source");
        assertThat(answer.substring(0, answer.indexOf("\r\n\r\n"))).containsIgnoringCase("Connection: close");
    }

    @Test
    void shouldAnswerABodyJettyCannotParseWithAProblemNotAnErrorPage() throws Exception {
        // A chunk size that is not hexadecimal: Jetty refuses it while the body is read.
        final String answer = exchange("POST /webhooks/shop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(answer).containsIgnoringCase("Content-Type: application/problem+json").contains("bad-request");
    }

    /** Writes {@code request} as is to a gateway with the source {@code shop}, and reads until it closes the connection. */
    private static String exchange(final String request) throws Exception {
        try (TestGateway gw = TestGateway.start("sources:\n  shop:\n    secrets: [{env: SHOP_SECRET}]\n",
                Map.of("SHOP_SECRET", DeliveryScenario.SECRET));
             Socket socket = new Socket("127.0.0.1", gw.app.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
