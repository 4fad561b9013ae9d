package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

class TokenSchemeTest extends SchemeContract {

    private static final String BODY = """
            {"ref":"zap-771","kind":"lead.created","at":"2026-11-22T09:59:50Z","lead":{"email":"a@example.com"}}""";

    TokenSchemeTest() {
        super("token", Signers.token(), "Authorization", BODY);
    }

    /** Without a configured {@code fields.time} the receive time is used, which is never ahead of itself. */
    @Override
    boolean eventTimeMovesWithTheDelivery() {
        return true;
    }

    @Test
    void shouldRefuseAConfiguredTimeFieldFurtherAheadThanTheFutureSkewWith422() {
        final Source source = source("token", "fields: {id: /ref, time: /at}\nmax_future_skew: 1m",
                DeliveryScenario.SECRET, DeliveryScenario.OLD_SECRET);
        final Instant at = Instant.parse("2026-11-22T09:59:50Z");
        assertThat(source.map(valid().receivedAt(at.minusSeconds(60)).build())).isInstanceOf(Outcome.Events.class);
        assertProblem(() -> source.map(valid().receivedAt(at.minusSeconds(61)).build()), 422, "max_future_skew (1m)");
    }

    /** What a token scheme checks is the token itself. */
    @Override
    Delivery tampered() {
        return valid().withHeader("Authorization", "Bearer " + DeliveryScenario.SECRET + "x").build();
    }

    @Test
    void shouldAcceptAChangedBodyBecauseATokenDoesNotCoverIt() {
        assertThat(verify(valid().tamperedTo("{\"ref\":\"forged\"}"))).isZero();
    }

    @Test
    void shouldRejectATokenWithoutTheBearerPrefixWith401() {
        assertRejected(valid().withHeader("Authorization", DeliveryScenario.SECRET).build(), "must start with 'Bearer '");
    }

    @Test
    void shouldUseTheIdempotencyKeyAsTheEventId() {
        assertThat(event(valid().withHeader("Idempotency-Key", "idem-1").build()).eventId()).isEqualTo("idem-1");
    }

    @Test
    void shouldUseTheBodysSha256WithoutAnIdSoIdenticalBodiesAreOneEvent() {
        final Envelope first = event(valid().build());
        final Envelope again = event(valid().build());
        assertThat(first.eventId()).hasSize(64).isEqualTo(again.eventId());
        assertThat(event(valid().withBody("{\"ref\":\"zap-772\"}").build()).eventId()).isNotEqualTo(first.eventId());
        assertThat(first.eventType()).isEqualTo("webhook");
        assertThat(first.eventTime()).isEqualTo(DeliveryScenario.NOW);
    }

    @Test
    void shouldReadConfiguredPointersWhenThereIsNoIdempotencyKey() {
        final Source source = source("token", "fields: {id: /ref, type: /kind, time: /at, entity: /lead/email}",
                DeliveryScenario.SECRET, DeliveryScenario.OLD_SECRET);
        final Envelope event = ((Outcome.Events) source.mapper().map("src", valid().build())).events().get(0);
        assertThat(event.eventId()).isEqualTo("zap-771");
        assertThat(event.eventType()).isEqualTo("lead.created");
        assertThat(event.eventTime()).isEqualTo(Instant.parse("2026-11-22T09:59:50Z"));
        assertThat(event.entityId()).isEqualTo("a@example.com");
    }
}
