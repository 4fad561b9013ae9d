package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

class StandardWebhooksSchemeTest extends TimestampedSchemeContract {

    private static final String BODY = """
            {"type":"invoice.paid","timestamp":"2026-11-22T09:59:58Z","data":{"id":"inv_1"}}""";

    StandardWebhooksSchemeTest() {
        super("standard", Signers.standardHmac(), "webhook-signature", BODY);
    }

    /** The event time is the signed webhook-timestamp: receiving the delivery earlier moves it too. */
    @Override
    boolean eventTimeMovesWithTheDelivery() {
        return true;
    }

    @Test
    void shouldRefuseASignedTimestampWithinALongToleranceButBeyondTheFutureSkewWith422() {
        final Source lenient = source("standard", "tolerance: 1h", signer().configured(DeliveryScenario.SECRET),
                signer().configured(DeliveryScenario.OLD_SECRET));
        final Delivery ahead = valid().signedAt(DeliveryScenario.NOW.plus(Duration.ofMinutes(30))).build();
        assertThat(lenient.verifier().verify(ahead)).isZero();
        assertProblem(() -> lenient.map(ahead), 422, "max_future_skew (5m)");
    }

    @Test
    void shouldMatchTheSpecificationsPublishedExample() {
        // The Standard Webhooks (and Svix) test vector: this secret, id, timestamp and body give this signature.
        final Source source = source("standard", "", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_dW51c2Vk");
        final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek");
        headers.put("webhook-timestamp", "1614265330");
        headers.put("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        final Delivery delivery = new Delivery(headers::get, "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8),
                Instant.ofEpochSecond(1_614_265_330L));
        assertThat(source.verifier().verify(delivery)).isZero();
    }

    @Test
    void shouldAcceptWhenOneOfSeveralSpaceSeparatedSignaturesMatches() {
        final String signature = valid().build().header("webhook-signature");
        final String several = "v1,Zm9yZ2VkLXNpZ25hdHVyZS1vZi1hbm90aGVyLWtleQ== v1a,bm90LWVkMjU1MTk= " + signature;
        assertThat(verify(valid().withHeader("webhook-signature", several).build())).isZero();
    }

    @Test
    void shouldAcceptTheSvixHeaderNames() {
        final Delivery signed = valid().build();
        final Map<String, String> svix = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (final String name : new String[] {"id", "timestamp", "signature"}) {
            svix.put("svix-" + name, signed.header("webhook-" + name));
        }
        final Delivery delivery = new Delivery(svix::get, signed.body(), DeliveryScenario.NOW);
        assertThat(verify(delivery)).isZero();
        assertThat(event(delivery).eventId()).isEqualTo(Signers.STANDARD_ID);
    }

    @Test
    void shouldMapTheMessageIdTypeAndSignedTimestamp() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo(Signers.STANDARD_ID);
        assertThat(event.eventType()).isEqualTo("invoice.paid");
        assertThat(event.eventTime()).isEqualTo(DeliveryScenario.NOW.minusSeconds(2));
        assertThat(event.payload().at("/data/id").asText()).isEqualTo("inv_1");
    }

    @Test
    void shouldAcceptAnHmacSecretAndAnEd25519KeyConfiguredTogether() {
        final Signer ed25519 = Signers.standardEd25519();
        final Source mixed = source("standard", "", signer().configured(DeliveryScenario.SECRET), ed25519.configured(DeliveryScenario.SECRET));
        assertThat(mixed.verifier().verify(valid().build())).isZero();
        assertThat(mixed.verifier().verify(DeliveryScenario.valid(ed25519).withBody(BODY).build())).isEqualTo(1);
    }
}
