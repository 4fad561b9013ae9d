package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

/** Signs with the test keys committed under src/test/resources/paypal (made once with keytool). */
class PayPalSchemeTest extends TimestampedSchemeContract {

    private static final String BODY = """
            {"id":"WH-58D329510W468432D-8HN650336L201105X","event_version":"1.0","create_time":"2026-11-22T09:59:57.123Z",
             "resource_type":"capture","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"42X78419GN2212334"}}""";

    PayPalSchemeTest() {
        super("paypal", Signers.paypal(), "PAYPAL-TRANSMISSION-SIG", BODY);
    }

    @Override
    String settings() {
        return "webhook_id: " + Signers.PAYPAL_WEBHOOK_ID;
    }

    @Test
    void shouldRejectADeliveryForAnotherWebhookIdWith401() {
        final Source other = source("paypal", "webhook_id: WH-SOMEONE-ELSE", signer().configured(DeliveryScenario.SECRET),
                signer().configured(DeliveryScenario.OLD_SECRET));
        assertProblem(() -> other.verifier().verify(valid().build()), 401, "does not verify");
    }

    @Test
    void shouldRejectAnotherAuthAlgorithmWith401() {
        assertRejected(valid().withHeader("PAYPAL-AUTH-ALGO", "SHA1withRSA").build(), "only SHA256withRSA");
    }

    @Test
    void shouldRejectAMissingTransmissionIdWith401() {
        assertRejected(valid().without("PAYPAL-TRANSMISSION-ID").build(), "PAYPAL-TRANSMISSION-ID header is missing");
    }

    @Test
    void shouldMapTheEventIdTypeCreateTimeAndResource() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo("WH-58D329510W468432D-8HN650336L201105X");
        assertThat(event.eventType()).isEqualTo("PAYMENT.CAPTURE.COMPLETED");
        assertThat(event.eventTime()).isEqualTo(Instant.parse("2026-11-22T09:59:57.123Z"));
        assertThat(event.entityId()).isEqualTo("42X78419GN2212334");
    }
}
