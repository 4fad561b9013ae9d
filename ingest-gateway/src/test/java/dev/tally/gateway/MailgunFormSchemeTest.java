package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

/** Mailgun's form posts (legacy webhooks, routes): timestamp, token and signature are form fields next to the event's. */
class MailgunFormSchemeTest extends TimestampedSchemeContract {

    private static final String BODY = "event=delivered&recipient=alice%40example.com&domain=mg.example.com"
            + "&Message-Id=%3C20261122.1%40mg.example.com%3E";

    MailgunFormSchemeTest() {
        super("mailgun", Signers.mailgunForm(), "signature", BODY);
    }

    @Override
    DeliveryScenario valid() {
        return super.valid().withHeader("Content-Type", "application/x-www-form-urlencoded");
    }

    /** The signed timestamp is the event time of a form post. */
    @Override
    boolean eventTimeMovesWithTheDelivery() {
        return true;
    }

    @Override
    Delivery unsigned() {
        return DeliveryScenario.valid((key, at, bytes) -> new Signer.Signed(java.util.Map.of(), bytes)).withBody(BODY)
                .withHeader("Content-Type", "application/x-www-form-urlencoded").build();
    }

    /** Mailgun signs the timestamp and the token: change the token. */
    @Override
    Delivery tampered() {
        final Delivery signed = valid().build();
        final String body = new String(signed.body(), StandardCharsets.UTF_8).replace("&token=c8", "&token=d8");
        return new Delivery(signed.headers(), body.getBytes(StandardCharsets.UTF_8), DeliveryScenario.NOW);
    }

    @Test
    void shouldMapTheTokenTheEventTheTimestampAndTheRecipient() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo("c8bb3d4d6d4e4b7a9f0d0d2c3b5e7a9f1e2d3c4b5a697887");
        assertThat(event.eventType()).isEqualTo("delivered");
        assertThat(event.eventTime()).isEqualTo(DeliveryScenario.NOW.minusSeconds(2));
        assertThat(event.entityId()).isEqualTo("alice@example.com");
        assertThat(event.payload().get("Message-Id").asText()).isEqualTo("<20261122.1@mg.example.com>");
    }

    @Test
    void shouldTypeARoutesPostWithoutEventAsInbound() {
        assertThat(event(valid().withBody("recipient=bob%40example.com&subject=hi").build()).eventType()).isEqualTo("inbound");
    }
}
