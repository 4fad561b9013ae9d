package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

class DiscordSchemeTest extends TimestampedSchemeContract {

    // A snowflake made for 2026-11-22T09:59:58Z: (ms since 2015-01-01) << 22.
    private static final String INTERACTION_ID = "1574001486856192000";

    private static final String BODY = """
            {"id":"%s","application_id":"1011","type":2,"guild_id":"613425648685547541","data":{"id":"7","name":"tally","type":1}}"""
            .formatted(INTERACTION_ID);

    DiscordSchemeTest() {
        super("discord", Signers.discord(), "X-Signature-Ed25519", BODY);
    }

    @Test
    void shouldAnswerPingWithPongAndNoEvent() {
        final Delivery ping = valid().withBody("{\"id\":\"" + INTERACTION_ID + "\",\"application_id\":\"1011\",\"type\":1}").build();
        assertThat(verify(ping)).isZero();
        assertThat(map(ping)).isEqualTo(new Outcome.Reply(Map.of("type", 1)));
    }

    @Test
    void shouldRejectAPingSignedWithAnotherKeyWith401() {
        assertRejected(valid().withBody("{\"type\":1}").signedWith("an-unknown-key").build(), "does not verify");
    }

    @Test
    void shouldMapTheInteractionIdTypeCommandAndTimeFromTheSnowflake() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo(INTERACTION_ID);
        assertThat(event.eventType()).isEqualTo("application_command.tally");
        assertThat(event.eventTime()).isEqualTo(DeliveryScenario.NOW.minusSeconds(2));
        assertThat(event.entityId()).isEqualTo("613425648685547541");
    }

    @Test
    void shouldRejectASignatureThatIsNotHexWith401() {
        assertRejected(valid().withHeader("X-Signature-Ed25519", "not-hex").build(), "not valid hex");
    }
}
