package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.tally.config.ConfigException;

/** Building sources from config: every mistake fails the start, naming the setting. */
class SourceTest {

    @Test
    void shouldRejectASettingTheSchemeDoesNotUse() {
        assertThatThrownBy(() -> SchemeContract.source("github", "prefix: \"sha1=\"", "s1", "s2"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gateway.sources.src: scheme 'github' does not use prefix");
    }

    @Test
    void shouldRejectAnUnknownScheme() {
        assertThatThrownBy(() -> SchemeContract.source("gitlab", "", "s1", "s2"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown scheme 'gitlab'").hasMessageContaining("github, stripe, slack");
    }

    @Test
    void shouldRejectPayPalWithoutWebhookId() {
        final Signer paypal = Signers.paypal();
        assertThatThrownBy(() -> SchemeContract.source("paypal", "", paypal.configured(DeliveryScenario.SECRET),
                paypal.configured(DeliveryScenario.OLD_SECRET)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("needs webhook_id");
    }

    @Test
    void shouldNameTheSecretThatIsNotAKeyWithoutPrintingIt() {
        assertThatThrownBy(() -> SchemeContract.source("sendgrid", "", Signers.sendgrid().configured("k"), "not-a-key"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gateway.sources.src.secrets[1]: not a base64 DER EC public key")
                .hasMessageNotContaining("not-a-key");
    }

    @Test
    void shouldRejectAnUnknownFieldPointerName() {
        assertThatThrownBy(() -> SchemeContract.source("hmac", "fields: {id: /id, kind: /type}", "s1", "s2"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kind");
    }

    @Test
    void shouldRejectHmacFieldsWithoutAType() {
        assertThatThrownBy(() -> SchemeContract.source("hmac", "fields: {id: /id}", "s1", "s2"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("give at least id and type");
    }

    @Test
    void shouldKeepTheGenericHmacSchemeAsTheDefault() {
        assertThat(SchemeContract.source("hmac", "", "s1", "s2").verifier()).isInstanceOf(HmacVerifier.class);
    }

    @Test
    void shouldReadTheHmacHeaderSettingsWithTheirDefaultsReplaced() {
        final Source source = SchemeContract.source("hmac", "header: X-Sig\nprefix: \"\"\nencoding: BASE64", "s1", "s2");
        final Delivery delivery = DeliveryScenario.valid(Signers.bodyHmac("X-Sig", "", Encoding.BASE64)).signedWith("s2").build();
        assertThat(source.verifier().verify(delivery)).isEqualTo(1);
    }

    @Test
    void shouldRejectAToleranceWithoutATimestampHeader() {
        assertThatThrownBy(() -> SchemeContract.source("hmac", "tolerance: 1m", "s1", "s2"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tolerance applies only with timestamp_header");
    }
}
