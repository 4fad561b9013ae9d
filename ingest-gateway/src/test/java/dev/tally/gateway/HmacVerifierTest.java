package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.ProblemException;

class HmacVerifierTest {

    private final HmacVerifier verifier = new HmacVerifier("X-Signature", "sha256=", Encoding.HEX,
            List.of(bytes(DeliveryScenario.SECRET), bytes(DeliveryScenario.OLD_SECRET)));

    @Test
    void shouldAcceptADeliverySignedWithTheCurrentSecret() {
        assertThat(verifier.verify(DeliveryScenario.valid().build())).isEqualTo(0);
    }

    @Test
    void shouldAcceptTheOldSecretWhileARotationIsUnderway() {
        assertThat(verifier.verify(DeliveryScenario.valid().signedWith(DeliveryScenario.OLD_SECRET).build())).isEqualTo(1);
    }

    @Test
    void shouldJudgeEachDeliveryOnItsOwnWhateverTheSameThreadVerifiedBefore() throws Exception {
        // The verifier keeps one initialised Mac per thread and secret; nothing of one delivery may leak into the next.
        final Runnable sequence = () -> {
            for (int i = 0; i < 50; i++) {
                assertThat(verifier.verify(DeliveryScenario.valid().build())).isEqualTo(0);
                assertRejected(DeliveryScenario.valid().signedWith("guess").build(), "does not match the body");
                assertThat(verifier.verify(DeliveryScenario.valid().signedWith(DeliveryScenario.OLD_SECRET).build())).isEqualTo(1);
                assertRejected(DeliveryScenario.valid().tamperedTo("{\"event_id\":\"evt-" + i + "\"}"), "does not match the body");
            }
        };
        final Thread other = new Thread(sequence);
        final Throwable[] failed = new Throwable[1];
        other.setUncaughtExceptionHandler((t, e) -> failed[0] = e);
        other.start();
        sequence.run();
        other.join();
        assertThat(failed[0]).isNull();
    }

    @Test
    void shouldRejectAWrongSecretWith401() {
        assertRejected(DeliveryScenario.valid().signedWith("guess").build(), "does not match the body");
    }

    @Test
    void shouldRejectATamperedBodyWith401() {
        assertRejected(DeliveryScenario.valid().tamperedTo("{\"event_id\":\"evt-2\"}"), "does not match the body");
    }

    @Test
    void shouldRejectAMissingHeaderWith401() {
        assertRejected(DeliveryScenario.valid().without("X-Signature").build(), "X-Signature header is missing");
    }

    @Test
    void shouldRejectAMissingPrefixWith401() {
        assertRejected(DeliveryScenario.valid().withHeader("X-Signature", "abcdef").build(), "must start with 'sha256='");
    }

    @Test
    void shouldRejectADigestThatIsNotHexWith401() {
        assertRejected(DeliveryScenario.valid().withHeader("X-Signature", "sha256=zz").build(), "not valid hex");
    }

    @Test
    void shouldRejectATruncatedSignatureWith401() {
        final String full = HmacVerifier.sign(bytes(DeliveryScenario.SECRET), DeliveryScenario.valid().build().body());
        assertRejected(DeliveryScenario.valid().withHeader("X-Signature", full.substring(0, full.length() - 2)).build(),
                "does not match the body");
    }

    @Test
    void shouldAcceptBase64WhenConfigured() {
        final HmacVerifier base64 = new HmacVerifier("X-Sig", "", Encoding.BASE64, List.of(bytes("s")));
        final byte[] body = bytes("{}");
        final String hex = HmacVerifier.sign(bytes("s"), body).substring("sha256=".length());
        final String b64 = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
        assertThat(base64.verify(new Delivery(name -> name.equals("X-Sig") ? b64 : null, body, DeliveryScenario.NOW))).isZero();
    }

    private void assertRejected(final Delivery delivery, final String detail) {
        assertThatThrownBy(() -> verifier.verify(delivery))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.problem().status()).isEqualTo(401);
                    assertThat(e.problem().detail()).contains(detail);
                });
    }

    private static byte[] bytes(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
