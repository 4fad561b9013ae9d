package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The replay rules of schemes whose senders sign the time of sending (tolerance 5 minutes). */
abstract class TimestampedSchemeContract extends SchemeContract {

    TimestampedSchemeContract(final String scheme, final Signer signer, final String signatureHeader, final String body) {
        super(scheme, signer, signatureHeader, body);
    }

    @Test
    void shouldRejectAnOldTimestampWith401() {
        assertRejected(valid().withOldTimestamp().build(), "too old");
    }

    @Test
    void shouldRejectAFutureTimestampWith401() {
        assertRejected(valid().withFutureTimestamp().build(), "too far in the future");
    }

    @Test
    void shouldAcceptATimestampAtTheEdgeOfTheTolerance() {
        assertThat(verify(valid().signedAt(DeliveryScenario.NOW.minus(DeliveryScenario.TOLERANCE)).build())).isZero();
        assertThat(verify(valid().signedAt(DeliveryScenario.NOW.plus(DeliveryScenario.TOLERANCE)).build())).isZero();
    }
}
