package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tally.config.ConfigFile;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.ProblemException;

/**
 * The rules every scheme keeps, one test each, run once per scheme by its test class: the source
 * is built from YAML as an operator writes it, with the current and the previous key configured.
 */
abstract class SchemeContract {

    private final String scheme;
    private final Signer signer;
    private final String signatureHeader;
    private final String body;
    private Source source;

    /**
     * @param scheme          the scheme name in the config
     * @param signer          the sender's signing
     * @param signatureHeader the header whose absence leaves a delivery unsigned
     * @param body            a valid body of the sender's shape
     */
    SchemeContract(final String scheme, final Signer signer, final String signatureHeader, final String body) {
        this.scheme = scheme;
        this.signer = signer;
        this.signatureHeader = signatureHeader;
        this.body = body;
    }

    final Signer signer() {
        return signer;
    }

    /** Extra YAML lines for the source, such as {@code webhook_id: …}. */
    String settings() {
        return "";
    }

    DeliveryScenario valid() {
        return DeliveryScenario.valid(signer).withBody(body);
    }

    /** A delivery without its signature. */
    Delivery unsigned() {
        return valid().without(signatureHeader).build();
    }

    /** A delivery whose signed content changed after signing. */
    Delivery tampered() {
        return valid().tamperedTo(body + " ");
    }

    Source source() {
        if (source == null) {
            source = source(scheme, settings(), signer.configured(DeliveryScenario.SECRET),
                    signer.configured(DeliveryScenario.OLD_SECRET));
        }
        return source;
    }

    /** A source named "src" configured with two keys, from YAML as an operator writes it. */
    static Source source(final String scheme, final String settings, final String key0, final String key1) {
        final String yaml = "gateway:\n  sources:\n    src:\n      scheme: " + scheme
                + "\n      secrets: [{env: KEY_0}, {env: KEY_1}]\n"
                + settings.indent(6);
        final Map<String, String> env = Map.of("KEY_0", key0, "KEY_1", key1);
        return Source.all(GatewayConfig.from(ConfigFile.parse("test", yaml), env), env).get("src");
    }

    int verify(final Delivery delivery) {
        return source().verifier().verify(delivery);
    }

    /** The scheme's mapping with the source's rules on mapped events ({@code max_future_skew}), as the gateway runs it. */
    Outcome map(final Delivery delivery) {
        return source().map(delivery);
    }

    /**
     * Whether the event time is the receive time (no event time in the body) or the signed send time, so that
     * receiving the same delivery earlier moves it too: then it is never ahead by more than the tolerance.
     */
    boolean eventTimeMovesWithTheDelivery() {
        return false;
    }

    /** The latest event time of the valid delivery's events. */
    private Instant latestEventTime() {
        final Delivery delivery = valid().build();
        verify(delivery);
        return ((Outcome.Events) map(delivery)).events().stream().map(Envelope::eventTime).max(Comparator.naturalOrder()).orElseThrow();
    }

    /** Verifies, then maps to exactly one event. */
    Envelope event(final Delivery delivery) {
        verify(delivery);
        final Outcome outcome = map(delivery);
        assertThat(outcome).isInstanceOf(Outcome.Events.class);
        assertThat(((Outcome.Events) outcome).events()).hasSize(1);
        return ((Outcome.Events) outcome).events().get(0);
    }

    void assertRejected(final Delivery delivery, final String detail) {
        assertProblem(() -> verify(delivery), 401, detail);
    }

    static void assertProblem(final Runnable call, final int status, final String detail) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ProblemException.class, e -> {
            assertThat(e.problem().status()).isEqualTo(status);
            assertThat(e.problem().detail()).contains(detail);
        });
    }

    /** The same valid body, received earlier: its event time is then ahead of its receive time by more than the default 5 minutes. */
    @Test
    void shouldRefuseAnEventStampedFurtherAheadThanTheFutureSkewWith422() {
        final Duration skew = GatewayConfig.DEFAULT_MAX_FUTURE_SKEW;
        final Delivery early = valid().receivedAt(latestEventTime().minus(skew).minusMillis(1)).build();
        assertThat(verify(early)).isZero();
        if (eventTimeMovesWithTheDelivery()) {
            assertThat(map(early)).isInstanceOf(Outcome.Events.class);
        } else {
            assertProblem(() -> map(early), 422, "max_future_skew (5m)");
        }
    }

    @Test
    void shouldAcceptAnEventStampedExactlyTheFutureSkewAhead() {
        final Delivery atTheLimit = valid().receivedAt(latestEventTime().minus(GatewayConfig.DEFAULT_MAX_FUTURE_SKEW)).build();
        assertThat(verify(atTheLimit)).isZero();
        final List<Envelope> events = ((Outcome.Events) map(atTheLimit)).events();
        assertThat(events).isNotEmpty();
    }

    @Test
    void shouldAcceptADeliverySignedWithTheCurrentKey() {
        assertThat(verify(valid().build())).isZero();
    }

    @Test
    void shouldAcceptThePreviousKeyWhileARotationIsUnderway() {
        assertThat(verify(valid().signedWith(DeliveryScenario.OLD_SECRET).build())).isEqualTo(1);
    }

    @Test
    void shouldRejectAWrongKeyWith401() {
        assertRejected(valid().signedWith("an-unknown-key").build(), "");
    }

    /** The body, for every scheme that signs it; Mailgun's token, a token scheme's token. */
    @Test
    void shouldRejectTamperedSignedContentWith401() {
        assertRejected(tampered(), "");
    }

    @Test
    void shouldRejectAMissingSignatureWith401() {
        assertRejected(unsigned(), signatureHeader);
    }
}
