package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

/** Mailgun's multipart/form-data posts: the same fields as its urlencoded ones, as parts; file parts are not event data. */
class MailgunMultipartSchemeTest extends TimestampedSchemeContract {

    private static final String BOUNDARY = "----MailgunBoundary7MA4YWxkTrZu0gW";
    private static final String CONTENT_TYPE = "multipart/form-data; boundary=" + BOUNDARY;
    private static final String BODY = part("event", "opened") + part("recipient", "alice@example.com")
            + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"attachment-1\"; filename=\"a.txt\"\r\n"
            + "Content-Type: text/plain\r\n\r\nnot an event field\r\n"
            + part("Message-Id", "<20261122.1@mg.example.com>");

    MailgunMultipartSchemeTest() {
        super("mailgun", Signers.mailgunMultipart(BOUNDARY), "signature", BODY);
    }

    @Override
    DeliveryScenario valid() {
        return super.valid().withHeader("Content-Type", CONTENT_TYPE);
    }

    @Override
    boolean eventTimeMovesWithTheDelivery() {
        return true;
    }

    @Override
    Delivery unsigned() {
        return DeliveryScenario.valid((key, at, bytes) -> new Signer.Signed(Map.of(), bytes)).withBody(BODY + "--" + BOUNDARY + "--\r\n")
                .withHeader("Content-Type", CONTENT_TYPE).build();
    }

    @Override
    Delivery tampered() {
        final Delivery signed = valid().build();
        final String body = new String(signed.body(), StandardCharsets.UTF_8).replace("\r\nc8bb", "\r\nd8bb");
        return new Delivery(signed.headers(), body.getBytes(StandardCharsets.UTF_8), DeliveryScenario.NOW);
    }

    @Test
    void shouldMapThePartsAsTheFormFieldsAndLeaveFilesOut() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo("c8bb3d4d6d4e4b7a9f0d0d2c3b5e7a9f1e2d3c4b5a697887");
        assertThat(event.eventType()).isEqualTo("opened");
        assertThat(event.entityId()).isEqualTo("alice@example.com");
        assertThat(event.payload().get("Message-Id").asText()).isEqualTo("<20261122.1@mg.example.com>");
        assertThat(event.payload().has("attachment-1")).isFalse();
    }

    @Test
    void shouldAnswer400ForABodyWithoutItsClosingBoundary() {
        final Delivery signed = valid().build();
        final String body = new String(signed.body(), StandardCharsets.UTF_8).replace("--" + BOUNDARY + "--\r\n", "");
        assertProblem(() -> map(new Delivery(signed.headers(), body.getBytes(StandardCharsets.UTF_8), DeliveryScenario.NOW)),
                400, "closing boundary");
    }

    private static String part(final String name, final String value) {
        return "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
    }
}
