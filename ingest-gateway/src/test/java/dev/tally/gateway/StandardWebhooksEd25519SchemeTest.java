package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Standard Webhooks' asymmetric variant: v1a signatures, whpk_ public keys. */
class StandardWebhooksEd25519SchemeTest extends TimestampedSchemeContract {

    private static final String BODY = """
            {"type":"user.created","data":{"id":"u_1"}}""";

    StandardWebhooksEd25519SchemeTest() {
        super("standard", Signers.standardEd25519(), "webhook-signature", BODY);
    }

    /** The event time is the signed webhook-timestamp: receiving the delivery earlier moves it too. */
    @Override
    boolean eventTimeMovesWithTheDelivery() {
        return true;
    }

    @Test
    void shouldNotAcceptAnEd25519SignatureLabelledAsHmac() {
        final String v1a = valid().build().header("webhook-signature");
        assertRejected(valid().withHeader("webhook-signature", v1a.replace("v1a,", "v1,")).build(), "No signature");
        assertThat(verify(valid().build())).isZero();
    }
}
