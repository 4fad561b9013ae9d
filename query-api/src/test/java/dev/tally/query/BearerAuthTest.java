package dev.tally.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tally.config.ConfigException;
import dev.tally.config.ConfigFile;
import dev.tally.processor.ProcessorConfig;

/** Query auth is off only when the config says {@code none}; anything else requires a token or refuses to start. */
class BearerAuthTest {

    private static ProcessorConfig config(final String query) {
        return ProcessorConfig.from(ConfigFile.parse("BearerAuthTest", """
                processor:
                  counters: [{name: by_type, group_by: [event_type], windows: [1m]}]
                """ + query), Map.of());
    }

    @Test
    void shouldRefuseToStartWhenAuthIsNotSetEvenOnLoopback() {
        assertThatThrownBy(() -> BearerAuth.from(config("query: {host: 127.0.0.1}\n"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("query.auth is not set")
                .hasMessageContaining("query.auth: none");
        assertThatThrownBy(() -> BearerAuth.from(config("query: {host: 0.0.0.0}\n"), Map.of()))
                .isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> BearerAuth.from(config(""), Map.of()))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void shouldTurnAuthOffOnlyWhenExplicitlyNone() {
        assertThat(BearerAuth.from(config("query: {auth: none}\n"), Map.of()).enabled()).isFalse();
    }

    @Test
    void shouldRequireTokensNamedInConfig() {
        final ProcessorConfig tokens = config("query: {auth: {tokens: [{env: Q_TOKEN}]}}\n");
        assertThat(BearerAuth.from(tokens, Map.of("Q_TOKEN", "a-token-of-twenty-chars")).enabled()).isTrue();
        assertThatThrownBy(() -> BearerAuth.from(tokens, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("Q_TOKEN is not set");
        assertThatThrownBy(() -> BearerAuth.from(tokens, Map.of("Q_TOKEN", "short")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("at least 16 characters");
    }
}
