package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

class MailgunSchemeTest extends TimestampedSchemeContract {

    private static final String BODY = """
            {"event-data":{"id":"CPgfbmQMTCKtHW6uIWtuVe","event":"delivered","timestamp":1795341597.908181,"recipient":"alice@example.com"}}""";

    MailgunSchemeTest() {
        super("mailgun", Signers.mailgun(), "signature", BODY);
    }

    /** Mailgun signs inside the body: the "signature" object is what a delivery can lack. */
    @Override
    Delivery unsigned() {
        return DeliveryScenario.valid((key, at, bytes) -> new Signer.Signed(Map.of(), bytes)).withBody(BODY).build();
    }

    /** What Mailgun signs is the token and timestamp: change the token. */
    @Override
    Delivery tampered() {
        final Delivery signed = valid().build();
        final String body = new String(signed.body(), StandardCharsets.UTF_8).replace("\"token\":\"c8", "\"token\":\"d8");
        return new Delivery(signed.headers(), body.getBytes(StandardCharsets.UTF_8), DeliveryScenario.NOW);
    }

    @Test
    void shouldAcceptChangedEventDataBecauseMailgunSignsOnlyTimestampAndToken() {
        final Delivery signed = valid().build();
        final String body = new String(signed.body(), StandardCharsets.UTF_8).replace("delivered", "opened");
        assertThat(verify(new Delivery(signed.headers(), body.getBytes(StandardCharsets.UTF_8), DeliveryScenario.NOW))).isZero();
    }

    @Test
    void shouldMapTheEventDataIdEventFractionalTimestampAndRecipient() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo("CPgfbmQMTCKtHW6uIWtuVe");
        assertThat(event.eventType()).isEqualTo("delivered");
        assertThat(event.eventTime()).isEqualTo(Instant.ofEpochSecond(1_795_341_597L, 908_181_000L));
        assertThat(event.entityId()).isEqualTo("alice@example.com");
    }
}
