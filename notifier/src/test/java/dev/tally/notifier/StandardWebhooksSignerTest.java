package dev.tally.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Signing as the Standard Webhooks spec does it, checked against the vector its reference libraries test with. */
class StandardWebhooksSignerTest {

    // standard-webhooks/standard-webhooks, libraries/java WebhookTest.verifyWebhookSignWorks
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long TIMESTAMP = 1614265330;
    private static final byte[] PAYLOAD = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    private static final String EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    @Test
    void shouldSignTheSpecsTestVector() {
        final StandardWebhooksSigner signer = new StandardWebhooksSigner(WebhookSecret.parse(SECRET, "test"));
        assertThat(signer.sign(MSG_ID, TIMESTAMP, PAYLOAD)).isEqualTo(EXPECTED);
    }

    @Test
    void shouldAcceptTheSecretWithoutItsPrefix() {
        final StandardWebhooksSigner signer = new StandardWebhooksSigner(WebhookSecret.parse(SECRET.substring(6), "test"));
        assertThat(signer.sign(MSG_ID, TIMESTAMP, PAYLOAD)).isEqualTo(EXPECTED);
    }

    @Test
    void shouldSignEveryPartSoThatChangingOneChangesTheSignature() {
        final StandardWebhooksSigner signer = new StandardWebhooksSigner(WebhookSecret.parse(SECRET, "test"));
        assertThat(signer.sign("msg_other", TIMESTAMP, PAYLOAD)).isNotEqualTo(EXPECTED);
        assertThat(signer.sign(MSG_ID, TIMESTAMP + 1, PAYLOAD)).isNotEqualTo(EXPECTED);
        assertThat(signer.sign(MSG_ID, TIMESTAMP, "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8))).isNotEqualTo(EXPECTED);
    }

    @Test
    void shouldRejectASecretThatIsNotBase64OfEnoughBytesWithoutShowingIt() {
        assertThatThrownBy(() -> WebhookSecret.parse("whsec_not*base64", "env OPS_SECRET"))
                .hasMessageContaining("env OPS_SECRET").hasMessageNotContaining("not*base64");
        assertThatThrownBy(() -> WebhookSecret.parse("whsec_c2hvcnQ=", "env OPS_SECRET"))
                .hasMessageContaining("5 bytes");
    }

    @Test
    void shouldNeverShowTheSecretWhenPrinted() {
        assertThat(WebhookSecret.parse(SECRET, "test").toString()).doesNotContain("MfKQ9r8G").isEqualTo("whsec_[redacted]");
    }

    @Test
    void shouldDeriveTheSameWebhookIdFromTheSameAlertKeyAlways() {
        final String key = "orders_by_plan|1h|1764324000000|shop|pro|100";
        assertThat(WebhookId.of(key)).isEqualTo(WebhookId.of(key)).startsWith("alert_").hasSize(6 + 32);
        assertThat(WebhookId.of(key)).isNotEqualTo(WebhookId.of(key.replace("|100", "|1000")));
    }
}
