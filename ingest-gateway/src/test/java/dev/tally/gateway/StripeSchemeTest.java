package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

class StripeSchemeTest extends TimestampedSchemeContract {

    private static final String BODY = """
            {"id":"evt_1QxTally","object":"event","type":"customer.subscription.created","created":1795341597,
             "data":{"object":{"id":"sub_1QxTally","customer":"cus_Tally"}}}""";

    StripeSchemeTest() {
        super("stripe", Signers.stripe(), "Stripe-Signature", BODY);
    }

    @Test
    void shouldAcceptWhenOneOfSeveralV1SignaturesMatches() {
        final String header = valid().build().header("Stripe-Signature");
        final String rotated = header.replaceFirst(",v1=", ",v1=" + "ab".repeat(32) + ",v1=");
        assertThat(verify(valid().withHeader("Stripe-Signature", rotated).build())).isZero();
    }

    @Test
    void shouldIgnoreAV0SignatureEvenWhenItWouldMatch() {
        final String header = valid().build().header("Stripe-Signature");
        final String onlyV0 = header.replaceAll(",v0=[0-9a-f]+", "").replace(",v1=", ",v0=");
        assertRejected(valid().withHeader("Stripe-Signature", onlyV0).build(), "at least one v1=");
    }

    @Test
    void shouldRejectAHeaderWithoutTimestampWith401() {
        final String header = valid().build().header("Stripe-Signature");
        assertRejected(valid().withHeader("Stripe-Signature", header.replaceFirst("t=\\d+,", "")).build(), "t=<unix seconds>");
    }

    @Test
    void shouldMapTheEventIdTypeCreationTimeAndObject() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo("evt_1QxTally");
        assertThat(event.eventType()).isEqualTo("customer.subscription.created");
        assertThat(event.eventTime()).isEqualTo(Instant.ofEpochSecond(1_795_341_597L));
        assertThat(event.entityId()).isEqualTo("sub_1QxTally");
    }

    @Test
    void shouldRejectAnUnreadableCreationTimeWith400NamingTheField() {
        assertProblem(() -> map(valid().withBody("{\"id\":\"evt_1\",\"type\":\"t\",\"created\":\"soon\"}").build()), 400, "/created");
    }
}
