package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tally.config.ConfigException;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;
import dev.tally.schemas.ProblemException;

/**
 * What {@code tally send} sends ({@link Source#deliver}: the scheme's mapper composes, its verifier
 * signs) verifies under every scheme, is read back as the event that was sent, and fails once
 * tampered with.
 */
class SendSchemesTest {

    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final String SECRET = "send-test-secret";

    /**
     * @param scheme     the source's scheme
     * @param settings   extra YAML for the source
     * @param configured the key the source is configured with
     * @param privateKey the sender's key for public-key schemes, else null
     * @param type       the event type sent; what the source reads back is {@code readType}
     * @param tamper     changes a signed delivery so that it must no longer verify
     */
    record Case(String scheme, String settings, String configured, PrivateKey privateKey, String type, String readType,
                UnaryOperator<Outbound> tamper) {

        @Override
        public String toString() {
            return scheme + (settings.isEmpty() ? "" : " " + settings.strip()) + (privateKey == null ? "" : " (private key)");
        }
    }

    static Stream<Case> schemes() {
        final KeyPair ed25519 = generate("Ed25519");
        final KeyPair ec = generate("EC");
        final List<Case> cases = List.of(
                body("hmac", ""),
                body("hmac", "timestamp_header: X-Timestamp"),
                new Case("token", "", SECRET, null, "order.created", "webhook",
                        d -> d.with(Map.of("Authorization", "Bearer not-the-token"))),
                body("github", ""),
                body("stripe", ""),
                body("slack", ""),
                body("shopify", ""),
                new Case("standard", "", "whsec_" + Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8)),
                        null, "order.created", "order.created", SendSchemesTest::bodyChanged),
                new Case("standard", "", "whpk_" + Base64.getEncoder().encodeToString(raw(ed25519)), ed25519.getPrivate(),
                        "order.created", "order.created", SendSchemesTest::bodyChanged),
                body("woocommerce", ""),
                new Case("mailgun", "", SECRET, null, "order.created", "order.created", SendSchemesTest::mailgunTokenChanged),
                new Case("sendgrid", "", Base64.getEncoder().encodeToString(ec.getPublic().getEncoded()), ec.getPrivate(),
                        "order.created", "order.created", SendSchemesTest::bodyChanged),
                new Case("discord", "", HexFormat.of().formatHex(raw(ed25519)), ed25519.getPrivate(),
                        "application_command.deploy", "application_command.deploy", SendSchemesTest::bodyChanged),
                new Case("paypal", "webhook_id: WH-SEND-1", Signers.resource("/paypal/current.pem"), paypalKey(),
                        "order.created", "order.created", SendSchemesTest::bodyChanged),
                body("jira", ""),
                new Case("twilio", "public_url: https://tally.example.com/webhooks/src", SECRET, null, "message.received",
                        "message.received", SendSchemesTest::bodyChanged));
        assertThat(cases.stream().map(Case::scheme).distinct()).containsExactlyInAnyOrderElementsOf(Schemes.NAMES);
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void shouldVerifyWhatSendSignsAndReadTheEventBack(final Case c) {
        final Source source = source(c);
        final Outbound sent = source.deliver(event(c.type()), NOW, c.privateKey());

        assertThat(source.verifier().verify(delivery(sent))).isZero();
        final Outcome outcome = source.mapper().map("src", delivery(sent));
        assertThat(outcome).isInstanceOf(Outcome.Events.class);
        final Envelope read = ((Outcome.Events) outcome).events().get(0);
        assertThat(read.eventId()).isEqualTo("evt-1");
        assertThat(read.eventType()).isEqualTo(c.readType());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void shouldRefuseWhatSendSignedOnceTampered(final Case c) {
        final Source source = source(c);
        final Outbound tampered = c.tamper().apply(source.deliver(event(c.type()), NOW, c.privateKey()));

        assertThatThrownBy(() -> source.verifier().verify(delivery(tampered)))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().status()).isEqualTo(401));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void shouldNameTheMissingPrivateKeyOfAPublicKeyScheme(final Case c) {
        if (c.privateKey() != null) {
            assertThatThrownBy(() -> source(c).deliver(event(c.type()), NOW, null))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("private key");
        }
    }

    private static Case body(final String scheme, final String settings) {
        return new Case(scheme, settings, SECRET, null, "order.created", "order.created", SendSchemesTest::bodyChanged);
    }

    private static Envelope event(final String type) {
        final ObjectNode payload = Json.MAPPER.createObjectNode().put("plan", "pro");
        return new Envelope("src", "evt-1", type, NOW.minusSeconds(30), NOW, "cust-7", payload, null);
    }

    private static Source source(final Case c) {
        return SchemeContract.source(c.scheme(), c.settings(), c.configured(), c.configured());
    }

    private static Delivery delivery(final Outbound sent) {
        return new Delivery(sent::header, sent.body(), NOW);
    }

    /** One byte of the body changed: every scheme that signs the body refuses it. */
    private static Outbound bodyChanged(final Outbound d) {
        final byte[] body = Arrays.copyOf(d.body(), d.body().length);
        final int at = new String(body, StandardCharsets.UTF_8).indexOf("pro");
        body[at] = 'P';
        return d.withBody(body);
    }

    /** Mailgun signs only its timestamp and token (not the event data): a changed token must fail. */
    private static Outbound mailgunTokenChanged(final Outbound d) {
        try {
            final ObjectNode body = (ObjectNode) Json.MAPPER.readTree(d.body());
            ((ObjectNode) body.get("signature")).put("token", "0".repeat(50));
            return d.withBody(Json.MAPPER.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair generate(final String algorithm) {
        try {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("EC")) {
                generator.initialize(new ECGenParameterSpec("secp256r1"));
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] raw(final KeyPair ed25519) {
        final byte[] der = ed25519.getPublic().getEncoded();
        return Arrays.copyOfRange(der, der.length - 32, der.length);
    }

    private static PrivateKey paypalKey() {
        try (InputStream in = SendSchemesTest.class.getResourceAsStream("/paypal/test-keys.p12")) {
            final KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, "tally-test".toCharArray());
            return (PrivateKey) store.getKey("current", "tally-test".toCharArray());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
