package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

class SlackSchemeTest extends TimestampedSchemeContract {

    private static final String BODY = """
            {"token":"unused","team_id":"T061EG9R6","api_app_id":"A0PNCHHK2","type":"event_callback",
             "event":{"type":"app_mention","user":"U061F7AUR","text":"<@U0LAN0Z89> hi","channel":"C0LAN2Q65"},
             "event_id":"Ev0PV52K21","event_time":1795341597}""";

    SlackSchemeTest() {
        super("slack", Signers.timestampedHmac("X-Slack-Signature", "v0=", "X-Slack-Request-Timestamp", "v0:", ":"), "X-Slack-Signature", BODY);
    }

    @Test
    void shouldRejectAMissingTimestampWith401() {
        assertRejected(valid().without("X-Slack-Request-Timestamp").build(), "X-Slack-Request-Timestamp header is missing");
    }

    @Test
    void shouldAnswerUrlVerificationWithItsChallengeAndNoEvent() {
        final Delivery delivery = valid().withBody("""
                {"token":"unused","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}""").build();
        assertThat(verify(delivery)).isZero();
        assertThat(map(delivery)).isEqualTo(new Outcome.Reply(Map.of("challenge", "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")));
    }

    @Test
    void shouldMapTheEventIdInnerEventTypeEventTimeAndTeam() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo("Ev0PV52K21");
        assertThat(event.eventType()).isEqualTo("app_mention");
        assertThat(event.eventTime()).isEqualTo(Instant.ofEpochSecond(1_795_341_597L));
        assertThat(event.entityId()).isEqualTo("T061EG9R6");
    }

    @Test
    void shouldFallBackToTheOuterTypeWithoutAnInnerEvent() {
        assertThat(event(valid().withBody("{\"type\":\"app_rate_limited\",\"team_id\":\"T1\",\"event_id\":\"Ev1\"}").build()).eventType())
                .isEqualTo("app_rate_limited");
    }
}
