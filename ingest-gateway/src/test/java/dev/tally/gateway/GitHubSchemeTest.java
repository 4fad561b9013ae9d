package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

class GitHubSchemeTest extends SchemeContract {

    private static final String BODY = """
            {"action":"opened","number":1,"pull_request":{"id":1},"repository":{"full_name":"octo-org/tally"},"organization":{"login":"octo-org"}}""";

    GitHubSchemeTest() {
        super("github", Signers.bodyHmac("X-Hub-Signature-256", "sha256=", Encoding.HEX), "X-Hub-Signature-256", BODY);
    }

    /** GitHub sends no event time: the receive time is used, which is never ahead of itself. */
    @Override
    boolean eventTimeMovesWithTheDelivery() {
        return true;
    }

    @Override
    DeliveryScenario valid() {
        return super.valid().withHeader("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
                .withHeader("X-GitHub-Event", "pull_request");
    }

    @Test
    void shouldMatchGitHubsPublishedExample() {
        // docs.github.com, "Validating webhook deliveries": this secret and body give this signature.
        final Source github = source("github", "", "It's a Secret to Everybody", "unused-second-secret");
        final Delivery delivery = new Delivery(name -> name.equalsIgnoreCase("X-Hub-Signature-256")
                ? "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" : null,
                "Hello, World!".getBytes(StandardCharsets.UTF_8), DeliveryScenario.NOW);
        assertThat(github.verifier().verify(delivery)).isZero();
    }

    @Test
    void shouldMapTheDeliveryIdTheEventWithItsActionAndTheRepository() {
        final Envelope event = event(valid().build());
        assertThat(event.key()).isEqualTo("src:72d3162e-cc78-11e3-81ab-4c9367dc0958");
        assertThat(event.eventType()).isEqualTo("pull_request.opened");
        assertThat(event.eventTime()).as("GitHub sends no event time").isEqualTo(DeliveryScenario.NOW);
        assertThat(event.entityId()).isEqualTo("octo-org/tally");
        assertThat(event.payload().get("number").asInt()).isEqualTo(1);
    }

    @Test
    void shouldUseTheEventAloneWhenTheBodyHasNoAction() {
        final Envelope event = event(valid().withHeader("X-GitHub-Event", "push")
                .withBody("{\"ref\":\"refs/heads/main\",\"repository\":{\"full_name\":\"octo-org/tally\"}}").build());
        assertThat(event.eventType()).isEqualTo("push");
    }

    @Test
    void shouldRejectAMissingDeliveryIdWith400() {
        assertProblem(() -> map(valid().without("X-GitHub-Delivery").build()), 400, "X-GitHub-Delivery header is missing");
    }
}
