package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;

class TwilioSchemeTest extends SchemeContract {

    private static final String URL = "https://tally.example.com/webhooks/sms?tenant=7";
    private static final String BODY = "ToCountry=US&SmsMessageSid=SM11&NumMedia=0&SmsSid=SM11&SmsStatus=received&Body=count+standup"
            + "&To=%2B18005551212&MessageSid=SM11&AccountSid=AC42&From=%2B14158675309&ApiVersion=2010-04-01";

    TwilioSchemeTest() {
        super("twilio", Signers.twilio(URL), "X-Twilio-Signature", BODY);
    }

    @Override
    String settings() {
        return "public_url: \"" + URL + "\"";
    }

    /** Twilio sends no event time: the receive time is used. */
    @Override
    boolean eventTimeMovesWithTheDelivery() {
        return true;
    }

    @Override
    DeliveryScenario valid() {
        return super.valid().withHeader("Content-Type", "application/x-www-form-urlencoded");
    }

    @Test
    void shouldVerifyTwiliosPublishedExampleRequest() {
        // twilio-java's RequestValidatorTest (the example of Twilio's "Validating Requests"): auth token 12345, this URL,
        // these parameters, this signature.
        final Source twilio = source("twilio", "public_url: \"https://mycompany.com/myapp.php?foo=1&bar=2\"", "12345", "unused-second-token");
        final String body = "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212";
        assertThat(twilio.verifier().verify(form(body, "RSOYDt4T1cUTdK1PDd93/VVr8B8="))).isZero();
        final Envelope event = ((Outcome.Events) twilio.map(form(body, "RSOYDt4T1cUTdK1PDd93/VVr8B8="))).events().get(0);
        assertThat(event.eventId()).isEqualTo("CA1234567890ABCDE");
        assertThat(event.eventType()).isEqualTo("call");
    }

    /** The worked example on Twilio's "Webhooks security" page: the same URL and token, other phone numbers, its signature. */
    @Test
    void shouldVerifyTheExampleOfTwiliosSecurityPage() {
        final Source twilio = source("twilio", "public_url: \"https://mycompany.com/myapp.php?foo=1&bar=2\"", "12345", "unused-second-token");
        final String body = "To=%2B18005551212&CallSid=CA1234567890ABCDE&Digits=1234&From=%2B12349013030&Caller=%2B12349013030";
        assertThat(twilio.verifier().verify(form(body, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="))).isZero();
        assertRejected(() -> twilio.verifier().verify(form(body.replace("To=%2B18005551212", "To=%2B18005551213"),
                "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")));
    }

    @Test
    void shouldRejectTheExampleWithOneDigitChangedOrAnotherUrl() {
        final Source twilio = source("twilio", "public_url: \"https://mycompany.com/myapp.php?foo=1&bar=2\"", "12345", "other");
        assertRejected(() -> twilio.verifier().verify(form(
                "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1235&From=%2B14158675309&To=%2B18005551212",
                "RSOYDt4T1cUTdK1PDd93/VVr8B8=")));
        final Source elsewhere = source("twilio", "public_url: \"https://mycompany.com/myapp.php\"", "12345", "other");
        assertRejected(() -> elsewhere.verifier().verify(form(
                "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212",
                "RSOYDt4T1cUTdK1PDd93/VVr8B8=")));
    }

    /** Twilio sorts the parameters before signing: the order they arrive in is not signed. */
    @Test
    void shouldAcceptTheSameParametersInAnotherOrder() {
        final Delivery signed = valid().build();
        final List<String> fields = new ArrayList<>(List.of(BODY.split("&")));
        Collections.reverse(fields);
        final String reordered = String.join("&", fields);
        assertThat(verify(new Delivery(signed.headers(), reordered.getBytes(StandardCharsets.UTF_8), DeliveryScenario.NOW))).isZero();
    }

    @Test
    void shouldRejectOneTamperedParameter() {
        assertRejected(valid().tamperedTo(BODY.replace("Body=count+standup", "Body=count+retro")), "does not match");
    }

    @Test
    void shouldMapTheMessageSidWithItsStatusAndTheAccount() {
        final Envelope event = event(valid().build());
        assertThat(event.eventId()).isEqualTo("SM11.received");
        assertThat(event.eventType()).isEqualTo("message.received");
        assertThat(event.entityId()).isEqualTo("AC42");
        assertThat(event.payload().get("Body").asText()).isEqualTo("count standup");
        assertThat(event.payload().get("From").asText()).isEqualTo("+14158675309");
    }

    @Test
    void shouldPreferTheIdempotencyTokenAsTheEventId() {
        assertThat(event(valid().withHeader("I-Twilio-Idempotency-Token", "idem-1").build()).eventId()).isEqualTo("idem-1");
    }

    @Test
    void shouldRefuseAJsonBodyWith400() {
        assertProblem(() -> map(valid().withHeader("Content-Type", "application/json").build()), 400, "x-www-form-urlencoded");
    }

    @Test
    void shouldRefuseASourceWithoutItsPublicUrl() {
        assertThatThrownBy(() -> source("twilio", "", "a", "b"))
                .hasMessageContaining("public_url");
    }

    private void assertRejected(final Runnable verify) {
        assertProblem(verify, 401, "does not match");
    }

    private static Delivery form(final String body, final String signature) {
        final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("X-Twilio-Signature", signature);
        headers.put("Content-Type", "application/x-www-form-urlencoded");
        return new Delivery(headers::get, body.getBytes(StandardCharsets.UTF_8), DeliveryScenario.NOW);
    }
}
