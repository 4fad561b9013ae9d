package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

/** Slack's form-encoded deliveries: slash commands and interactivity, signed over the raw bytes as Events API JSON is. */
class SlackSlashCommandSchemeTest extends TimestampedSchemeContract {

    // The fields of a slash command, in the order Slack's "Slash commands" page shows them.
    private static final String BODY = "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&enterprise_id=E0001"
            + "&enterprise_name=Globular%20Construct%20Inc&channel_id=C2147483705&channel_name=test&user_id=U2147483697"
            + "&user_name=Steve&command=/count&text=standup&response_url=https://hooks.slack.com/commands/1234/5678"
            + "&trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A123456";

    SlackSlashCommandSchemeTest() {
        super("slack", Signers.timestampedHmac("X-Slack-Signature", "v0=", "X-Slack-Request-Timestamp", "v0:", ":"), "X-Slack-Signature", BODY);
    }

    /** Slack sends no time with a command: the receive time is used. */
    @Override
    boolean eventTimeMovesWithTheDelivery() {
        return true;
    }

    @Override
    DeliveryScenario valid() {
        return super.valid().withHeader("Content-Type", "application/x-www-form-urlencoded");
    }

    @Test
    void shouldMapTheTriggerIdTheCommandTypeAndTheTeam() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo("13345224609.738474920.8088930838d88f008e0");
        assertThat(event.eventType()).isEqualTo("slash_command");
        assertThat(event.eventTime()).isEqualTo(DeliveryScenario.NOW);
        assertThat(event.entityId()).isEqualTo("T0001");
        assertThat(event.payload().get("command").asText()).isEqualTo("/count");
        assertThat(event.payload().get("text").asText()).isEqualTo("standup");
        assertThat(event.payload().get("user_id").asText()).isEqualTo("U2147483697");
        assertThat(event.payload().get("channel_id").asText()).isEqualTo("C2147483705");
    }

    @Test
    void shouldKeepTheVerificationTokenAndResponseUrlOutOfThePayload() {
        final Envelope event = event(valid().build());
        assertThat(event.payload().has("token")).isFalse();
        assertThat(event.payload().has("response_url")).isFalse();
    }

    /** Slack signs the bytes as sent: the same fields in another order are other bytes. */
    @Test
    void shouldRejectTheSameFieldsInAnotherOrderWith401() {
        final List<String> fields = new ArrayList<>(List.of(BODY.split("&")));
        Collections.reverse(fields);
        assertRejected(valid().tamperedTo(String.join("&", fields)), "does not match");
    }

    @Test
    void shouldRejectATamperedParameterWith401() {
        assertRejected(valid().tamperedTo(BODY.replace("text=standup", "text=retro")), "does not match");
    }

    /**
     * Slack's worked example ("Verifying requests from Slack"): a slash command's form body, signing secret
     * 8f742231b10e8888abcd99yyyzzz85a5, timestamp 1531420618, and the signature Slack shows for them.
     */
    @Test
    void shouldVerifySlacksPublishedExampleRequest() {
        final String body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
                + "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
                + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
                + "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        final String signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
        final Source slack = source("slack", "", "8f742231b10e8888abcd99yyyzzz85a5", "unused-second-secret");
        final Instant receivedAt = Instant.ofEpochSecond(1_531_420_618L).plusSeconds(30);

        assertThat(slack.verifier().verify(slackForm(body, signature, receivedAt))).isZero();
        final Envelope event = ((Outcome.Events) slack.map(slackForm(body, signature, receivedAt))).events().get(0);
        assertThat(event.eventId()).isEqualTo("398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c");
        assertThat(event.eventType()).isEqualTo("slash_command");
        assertThat(event.payload().get("command").asText()).isEqualTo("/webhook-collect");

        // One parameter changed, or two fields swapped, after signing: refused.
        assertProblem(() -> slack.verifier().verify(slackForm(body.replace("text=&", "text=x&"), signature, receivedAt)),
                401, "does not match");
        assertProblem(() -> slack.verifier().verify(slackForm(body.replace("team_id=T1DC2JH3J&team_domain=testteamnow",
                "team_domain=testteamnow&team_id=T1DC2JH3J"), signature, receivedAt)), 401, "does not match");
    }

    private static Delivery slackForm(final String body, final String signature, final Instant receivedAt) {
        final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("X-Slack-Signature", signature);
        headers.put("X-Slack-Request-Timestamp", "1531420618");
        headers.put("Content-Type", "application/x-www-form-urlencoded");
        return new Delivery(headers::get, body.getBytes(StandardCharsets.UTF_8), receivedAt);
    }

    @Test
    void shouldMapAnInteractionPayloadByItsTriggerIdAndType() {
        final String payload = """
                {"type":"block_actions","team":{"id":"T9TK3CUKW"},"user":{"id":"UA8RXUSPL"},"token":"secret-ish",
                 "trigger_id":"12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3","response_url":"https://hooks.slack.com/actions/1",
                 "actions":[{"action_id":"WaXA","value":"click_me_123","action_ts":"1795341597.000200"}]}""";
        final Envelope event = event(valid().withBody("payload=" + java.net.URLEncoder.encode(payload, StandardCharsets.UTF_8)).build());
        assertThat(event.eventId()).isEqualTo("12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3");
        assertThat(event.eventType()).isEqualTo("block_actions");
        assertThat(event.entityId()).isEqualTo("T9TK3CUKW");
        assertThat(event.eventTime().getEpochSecond()).isEqualTo(1_795_341_597L);
        assertThat(event.payload().has("token")).isFalse();
        assertThat(event.payload().has("response_url")).isFalse();
    }

    @Test
    void shouldAnswer400ForAPayloadThatIsNotJson() {
        assertProblem(() -> map(valid().withBody("payload=%7Bnot-json").build()), 400, "'payload' is not valid JSON");
    }

    @Test
    void shouldAnswer400ForACommandWithoutTriggerId() {
        assertProblem(() -> map(valid().withBody("command=/count&text=x").build()), 400, "trigger_id");
    }
}
