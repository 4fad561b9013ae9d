package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

class SendGridSchemeTest extends TimestampedSchemeContract {

    private static final String BODY = """
            [{"email":"alice@example.com","timestamp":1795341590,"event":"processed","sg_event_id":"sg-1","sg_message_id":"m-1"},
             {"email":"alice@example.com","timestamp":1795341595,"event":"delivered","sg_event_id":"sg-2","sg_message_id":"m-1"},
             {"email":"bob@example.com","timestamp":1795341597,"event":"open","sg_event_id":"sg-3","sg_message_id":"m-2"}]""";

    SendGridSchemeTest() {
        super("sendgrid", Signers.sendgrid(), "X-Twilio-Email-Event-Webhook-Signature", BODY);
    }

    @Test
    void shouldMapEveryElementOfTheBatchToItsOwnEvent() {
        final Delivery delivery = valid().build();
        verify(delivery);
        final List<Envelope> events = ((Outcome.Events) map(delivery)).events();
        assertThat(events).extracting(Envelope::eventId).containsExactly("sg-1", "sg-2", "sg-3");
        assertThat(events).extracting(Envelope::eventType).containsExactly("processed", "delivered", "open");
        assertThat(events.get(2).eventTime()).isEqualTo(Instant.ofEpochSecond(1_795_341_597L));
        assertThat(events.get(2).entityId()).isEqualTo("bob@example.com");
        assertThat(events.get(2).payload().get("sg_message_id").asText()).isEqualTo("m-2");
    }

    @Test
    void shouldRefuseTheWholeBatchWhenOneEventIsStampedTooFarAhead() {
        final String oneAhead = BODY.replace("\"timestamp\":1795341595", "\"timestamp\":" + (1_795_341_597L + 3600));
        final Delivery delivery = valid().withBody(oneAhead).build();
        verify(delivery);
        assertProblem(() -> map(delivery), 422, "Event 'sg-2' has event time 2026-11-22T10:59:57Z");
    }

    @Test
    void shouldRejectABatchWithABadElementWith400NamingIt() {
        assertProblem(() -> map(valid().withBody("[{\"event\":\"open\",\"sg_event_id\":\"a\"},{\"event\":\"open\"}]").build()),
                400, "Event [1] of the array: The body's /sg_event_id is missing");
    }

    @Test
    void shouldRejectABodyThatIsNotAnArrayWith400() {
        assertProblem(() -> map(valid().withBody("{\"event\":\"open\"}").build()), 400, "JSON array");
    }

    @Test
    void shouldRejectAMalformedSignatureWith401() {
        assertRejected(valid().withHeader("X-Twilio-Email-Event-Webhook-Signature", "bm90LWRlcg==").build(), "does not verify");
    }
}
