package dev.tally.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tally.config.ConfigException;
import dev.tally.config.ConfigFile;

/** The notify section: sinks, their defaults, and the checks made at start. */
class NotifierConfigTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final Map<String, String> ENV = Map.of("OPS_SECRET", SECRET, "SLACK_URL", "https://hooks.slack.com/services/T0/B0/tok");

    @Test
    void shouldReadSinksWithTheirDefaults() {
        final NotifierConfig config = parse("""
                notify:
                  sinks:
                    - name: ops
                      url: https://ops.example.com/hooks/tally
                      secret: {env: OPS_SECRET}
                    - name: sales-slack
                      format: slack
                      url: {env: SLACK_URL}
                      max_attempts: 3
                      deadline: 10m
                """, Map.of("orders", List.of("ops", "sales-slack")));
        final Sink ops = config.sinks().get(0);
        assertThat(ops.format()).isEqualTo(SinkFormat.STANDARD);
        assertThat(ops.retry()).isEqualTo(RetryPolicy.DEFAULT);
        assertThat(ops.timeout()).isEqualTo(Sink.DEFAULT_TIMEOUT);
        assertThat(ops.queue()).isEqualTo(Sink.DEFAULT_QUEUE);
        final Sink slack = config.sinks().get(1);
        assertThat(slack.url().getPath()).isEqualTo("/services/T0/B0/tok");
        assertThat(slack.retry().maxAttempts()).isEqualTo(3);
        assertThat(slack.retry().deadline()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.groupId()).isEqualTo(NotifierConfig.DEFAULT_GROUP_ID);
        assertThat(config.startFrom()).isEqualTo("earliest");
        assertThat(config.sinksOf("orders")).containsExactly("ops", "sales-slack");
        assertThat(config.sinksOf("other")).isEmpty();
    }

    @Test
    void shouldNeverPrintAChatUrlsTokenOrASecret() {
        final NotifierConfig config = parse("""
                notify:
                  sinks:
                    - {name: ops, url: "https://ops.example.com/h", secret: {env: OPS_SECRET}}
                    - {name: chat, format: slack, url: {env: SLACK_URL}}
                """, Map.of());
        assertThat(config.toString()).doesNotContain("tok").doesNotContain("MfKQ9r8G").contains("https://hooks.slack.com");
    }

    @Test
    void shouldFailNamingACountersSinkThatIsNotConfigured() {
        assertThatThrownBy(() -> parse("""
                notify:
                  sinks: [{name: ops, url: "https://ops.example.com/h", secret: {env: OPS_SECRET}}]
                """, Map.of("orders", List.of("sales-slak"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("counter 'orders' notifies 'sales-slak'").hasMessageContaining("[ops]");
    }

    @Test
    void shouldRefusePlainHttpUnlessTheHostIsAllowed() {
        final String sink = """
                  sinks: [{name: local, url: "http://127.0.0.1:9000/h", secret: {env: OPS_SECRET}}]
                """;
        assertThatThrownBy(() -> parse("notify:\n" + sink, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sink 'local'").hasMessageContaining("allow_http_hosts");
        assertThat(parse("notify:\n  allow_http_hosts: [127.0.0.1]\n" + sink, Map.of()).sinks()).hasSize(1);
        assertThatThrownBy(() -> parse("notify:\n  sinks: [{name: f, url: \"ftp://x/h\", format: slack}]\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("must be https");
    }

    @Test
    void shouldRequireASecretForStandardSinksOnly() {
        assertThatThrownBy(() -> parse("notify:\n  sinks: [{name: ops, url: \"https://x/h\"}]\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("needs a secret");
        assertThatThrownBy(() -> parse("notify:\n  sinks: [{name: s, url: \"https://x/h\", format: slack, secret: {env: OPS_SECRET}}]\n",
                Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("takes no secret");
        assertThatThrownBy(() -> parse("notify:\n  sinks: [{name: ops, url: \"https://x/h\", secret: {env: NOPE}}]\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("NOPE is not set");
    }

    @Test
    void shouldFailOnAnUnknownFormatOrField() {
        assertThatThrownBy(() -> parse("notify:\n  sinks: [{name: t, url: \"https://x/h\", format: teams}]\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("standard, slack or discord");
        assertThatThrownBy(() -> parse("notify:\n  sinks: [{name: t, url: \"https://x/h\", format: slack, retries: 3}]\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("retries");
    }

    @Test
    void shouldStartANewSinkFromAnAgeWhenAskedTo() {
        assertThat(parse("notify:\n  start_from: 1h\n", Map.of()).startFrom()).isEqualTo("by_duration:PT1H");
        assertThat(parse("notify: {}\n", Map.of()).enabled()).isFalse();
    }

    private static NotifierConfig parse(final String yaml, final Map<String, List<String>> routes) {
        return NotifierConfig.from(ConfigFile.parse("test.yaml", yaml), ENV, routes);
    }
}
