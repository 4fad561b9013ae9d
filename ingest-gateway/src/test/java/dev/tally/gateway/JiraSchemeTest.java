package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

class JiraSchemeTest extends SchemeContract {

    private static final String BODY = """
            {"timestamp":1795341598123,"webhookEvent":"jira:issue_created","issue_event_type_name":"issue_created","issue":{"id":"10001","key":"TAL-1"}}""";

    JiraSchemeTest() {
        super("jira", Signers.bodyHmac("X-Hub-Signature", "sha256=", Encoding.HEX), "X-Hub-Signature", BODY);
    }

    @Override
    DeliveryScenario valid() {
        return super.valid().withHeader("X-Atlassian-Webhook-Identifier", "4b5e6a1c-2f4d-4c7e-9f40-1a2b3c4d5e6f");
    }

    @Test
    void shouldMapTheIdentifierTheWebhookEventAndTheMillisecondTimestamp() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo("4b5e6a1c-2f4d-4c7e-9f40-1a2b3c4d5e6f");
        assertThat(event.eventType()).isEqualTo("jira:issue_created");
        assertThat(event.eventTime()).isEqualTo(Instant.ofEpochMilli(1_795_341_598_123L));
        assertThat(event.entityId()).isEqualTo("TAL-1");
    }

    @Test
    void shouldRejectTheOtherHeaderGitHubUsesWith401() {
        final Delivery delivery = valid().build();
        final Delivery sha256Header = new Delivery(name -> name.equalsIgnoreCase("X-Hub-Signature-256")
                ? delivery.header("X-Hub-Signature") : null, delivery.body(), DeliveryScenario.NOW);
        assertRejected(sha256Header, "X-Hub-Signature header is missing");
    }
}
