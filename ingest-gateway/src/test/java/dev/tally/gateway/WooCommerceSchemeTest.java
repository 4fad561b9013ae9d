package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

class WooCommerceSchemeTest extends SchemeContract {

    private static final String BODY = """
            {"id":1281,"status":"processing","date_modified_gmt":"2026-11-22T09:59:01","total":"29.35"}""";

    WooCommerceSchemeTest() {
        super("woocommerce", Signers.bodyHmac("X-WC-Webhook-Signature", "", Encoding.BASE64), "X-WC-Webhook-Signature", BODY);
    }

    @Override
    DeliveryScenario valid() {
        return super.valid()
                .withHeader("X-WC-Webhook-Topic", "order.created")
                .withHeader("X-WC-Webhook-Delivery-ID", "6a31b9c1-2d2f-4e3b-9c55-1f9a7d1c0e11")
                .withHeader("X-WC-Webhook-Source", "https://shop.example/");
    }

    @Test
    void shouldMapTheDeliveryIdTopicGmtModificationTimeAndStore() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo("6a31b9c1-2d2f-4e3b-9c55-1f9a7d1c0e11");
        assertThat(event.eventType()).isEqualTo("order.created");
        assertThat(event.eventTime()).as("date_modified_gmt has no offset: it is UTC").isEqualTo(Instant.parse("2026-11-22T09:59:01Z"));
        assertThat(event.entityId()).isEqualTo("https://shop.example/");
    }

    @Test
    void shouldUseTheReceiveTimeWhenTheBodyHasNoModificationTime() {
        assertThat(event(valid().withBody("{\"id\":7}").build()).eventTime()).isEqualTo(DeliveryScenario.NOW);
    }
}
