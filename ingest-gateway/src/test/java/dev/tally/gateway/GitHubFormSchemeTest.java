package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

/** GitHub's "application/x-www-form-urlencoded" content type: the JSON in a payload field, signed over the form bytes. */
class GitHubFormSchemeTest extends SchemeContract {

    private static final String JSON = """
            {"action":"opened","number":1,"repository":{"full_name":"octo-org/tally"}}""";
    private static final String BODY = "payload=" + URLEncoder.encode(JSON, StandardCharsets.UTF_8);

    GitHubFormSchemeTest() {
        super("github", Signers.bodyHmac("X-Hub-Signature-256", "sha256=", Encoding.HEX), "X-Hub-Signature-256", BODY);
    }

    @Override
    boolean eventTimeMovesWithTheDelivery() {
        return true;
    }

    @Override
    DeliveryScenario valid() {
        return super.valid().withHeader("Content-Type", "application/x-www-form-urlencoded")
                .withHeader("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958").withHeader("X-GitHub-Event", "pull_request");
    }

    @Test
    void shouldMapThePayloadFieldsJsonAsAJsonDeliveryIsMapped() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo("72d3162e-cc78-11e3-81ab-4c9367dc0958");
        assertThat(event.eventType()).isEqualTo("pull_request.opened");
        assertThat(event.entityId()).isEqualTo("octo-org/tally");
        assertThat(event.payload().get("number").asInt()).isEqualTo(1);
    }

    @Test
    void shouldRejectATamperedPayloadWith401() {
        assertRejected(valid().tamperedTo(BODY.replace("opened", "closed")), "does not match");
    }

    @Test
    void shouldAnswer400ForAFormWithoutPayload() {
        assertProblem(() -> map(valid().withBody("action=opened").build()), 400, "no 'payload' field");
    }
}
