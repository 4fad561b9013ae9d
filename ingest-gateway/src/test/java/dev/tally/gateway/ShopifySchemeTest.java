package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

class ShopifySchemeTest extends SchemeContract {

    private static final String BODY = """
            {"id":820982911946154508,"email":"jon@example.com","total_price":"199.00"}""";

    ShopifySchemeTest() {
        super("shopify", Signers.bodyHmac("X-Shopify-Hmac-Sha256", "", Encoding.BASE64), "X-Shopify-Hmac-Sha256", BODY);
    }

    @Override
    DeliveryScenario valid() {
        return super.valid()
                .withHeader("X-Shopify-Topic", "orders/create")
                .withHeader("X-Shopify-Event-Id", "98880550-7158-44d4-b7cd-2c97c8a091b5")
                .withHeader("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
                .withHeader("X-Shopify-Triggered-At", "2026-11-22T09:59:57.123456789Z")
                .withHeader("X-Shopify-Shop-Domain", "tally-test.myshopify.com");
    }

    @Test
    void shouldMapTheEventIdTopicTriggerTimeAndShop() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo("98880550-7158-44d4-b7cd-2c97c8a091b5");
        assertThat(event.eventType()).isEqualTo("orders/create");
        assertThat(event.eventTime()).isEqualTo(Instant.parse("2026-11-22T09:59:57.123456789Z"));
        assertThat(event.entityId()).isEqualTo("tally-test.myshopify.com");
    }

    @Test
    void shouldFallBackToTheWebhookIdWhenThereIsNoEventId() {
        assertThat(event(valid().without("X-Shopify-Event-Id").build()).eventId()).isEqualTo("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
    }

    @Test
    void shouldRejectAnUnreadableTriggerTimeWith400NamingTheHeader() {
        assertProblem(() -> map(valid().withHeader("X-Shopify-Triggered-At", "yesterday").build()), 400, "X-Shopify-Triggered-At");
    }

    @Test
    void shouldRejectAHexSignatureWith401() {
        final String base64 = valid().build().header("X-Shopify-Hmac-Sha256");
        final String hex = Encoding.HEX.encode(Encoding.BASE64.decode(base64));
        assertRejected(valid().withHeader("X-Shopify-Hmac-Sha256", hex).build(), "");
    }
}
