package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

/** The generic hmac scheme with the optional signed timestamp and JSON pointer mapping. */
class HmacTimestampSchemeTest extends TimestampedSchemeContract {

    private static final String BODY = """
            {"topic":"order.paid","at":1795341591,"order":{"number":1001},"customer":{"id":"cust-7"}}""";

    HmacTimestampSchemeTest() {
        super("hmac", Signers.timestampedHmac("X-Signature", "sha256=", "X-Timestamp", "", "."), "X-Signature", BODY);
    }

    @Override
    String settings() {
        return """
                timestamp_header: X-Timestamp
                tolerance: 5m
                fields: {id: /order/number, type: /topic, time: /at, entity: /customer/id}""";
    }

    @Test
    void shouldRejectABodyOnlySignatureWhenATimestampIsConfiguredWith401() {
        final String bodyOnly = HmacVerifier.sign(DeliveryScenario.SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                BODY.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertRejected(valid().withHeader("X-Signature", bodyOnly).build(), "does not match the X-Timestamp header and the body");
    }

    @Test
    void shouldMapTheFieldsAtTheConfiguredPointers() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo("1001");
        assertThat(event.eventType()).isEqualTo("order.paid");
        assertThat(event.eventTime()).isEqualTo(Instant.ofEpochSecond(1_795_341_591L));
        assertThat(event.entityId()).isEqualTo("cust-7");
    }

    @Test
    void shouldRejectABodyWithoutTheConfiguredIdWith400NamingThePointer() {
        assertProblem(() -> map(valid().withBody("{\"topic\":\"order.paid\"}").build()), 400, "/order/number");
    }
}
