package dev.tally.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigFile;
import dev.tally.config.KafkaSettings;
import dev.tally.gateway.GatewayConfig;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.Json;

/**
 * A Slack app's {@code /count} on the whole pipeline and a real broker: signed slash commands, some
 * of them delivered again as Slack retries (same {@code trigger_id}, {@code X-Slack-Retry-Num}), are
 * counted once each, and every answer's figures are never higher than the true count and equal it
 * once counting caught up.
 */
class SlashCommandIT {

    private static final String SECRET = "it-slack-signing-secret";
    private static final String CONFIG = """
            gateway:
              sources:
                slack:
                  scheme: slack
                  secrets: [{env: IT_SLACK_SECRET}]
                  reply:
                    counter: commands
                    window: 1d
                    template: "{counter} for {key}: {total} ({window_count} this {window})"
                    timeout: 2500ms
            processor:
              application_id: slash-it
              counters:
                - name: commands
                  filter: {source: [slack], event_type: [slash_command]}
                  group_by: [/payload/text, /payload/channel_id]
                  windows: [1d]
            query:
              auth: none
            """;
    private static final Pattern FIGURES = Pattern.compile("commands for (.*): (\\d+) \\((\\d+) this 1d\\)");
    private static final Map<String, String> ENV = Map.of("IT_SLACK_SECRET", SECRET);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir.resolve("broker")));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldCountEachCommandOnceAndAnswerWithFiguresNeverAboveTheTrueCount() throws Exception {
        try (Pipeline pipeline = start()) {
            final Map<String, Set<String>> accepted = new HashMap<>();   // key -> trigger ids accepted: the true count
            final List<String> texts = List.of("standup", "retro", "standup", "standup", "retro");
            int numeric = 0;
            for (int i = 0; i < 20; i++) {
                final String text = texts.get(i % texts.size());
                final String key = text + "|C1";
                final String trigger = "trig-" + i;
                final Answer first = command(pipeline, text, trigger, null);
                assertThat(first.status()).as("command %d", i).isEqualTo(200);
                accepted.computeIfAbsent(key, k -> new HashSet<>()).add(trigger);
                if (first.total() != null) {
                    numeric++;
                    // Sent one at a time, a command's answer waited for the count to take it in: the true count, exactly.
                    assertThat(first.key()).isEqualTo(key);
                    assertThat(first.total()).as("command %d's total", i).isEqualTo(accepted.get(key).size());
                    assertThat(first.windowCount()).isBetween(1L, (long) accepted.get(key).size());
                }
                if (i % 4 == 1) {
                    // Slack's retry of the same command: accepted again, never counted again, never answered with more.
                    final Answer retry = command(pipeline, text, trigger, 1);
                    assertThat(retry.status()).isEqualTo(200);
                    if (retry.total() != null) {
                        assertThat(retry.total()).isLessThanOrEqualTo(accepted.get(key).size());
                    }
                }
            }
            assertThat(numeric).as("answers that carried a count").isPositive();

            for (Map.Entry<String, Set<String>> key : accepted.entrySet()) {
                awaitTotal(pipeline.queryUrl(), key.getKey(), key.getValue().size());
            }
            // Counting has caught up: the next command's answer is the true count, retries not counted.
            final Answer last = command(pipeline, "standup", "trig-last", null);
            accepted.get("standup|C1").add("trig-last");
            assertThat(last.status()).isEqualTo(200);
            assertThat(last.total()).isEqualTo(accepted.get("standup|C1").size());
            assertThat(total(pipeline.queryUrl(), "retro|C1")).isEqualTo(accepted.get("retro|C1").size());
            assertThat(total(pipeline.queryUrl(), "standup|C1")).isEqualTo(accepted.get("standup|C1").size());
        }
    }

    /** What Slack shows the user: the figures, or null for "counting…". */
    private record Answer(int status, String key, Long total, Long windowCount, String text) {
    }

    private static Answer command(final Pipeline pipeline, final String text, final String trigger, final Integer retry) throws Exception {
        final String body = "token=legacy&team_id=T1&team_domain=it&channel_id=C1&channel_name=general&user_id=U1&user_name=ann"
                + "&command=%2Fcount&text=" + URLEncoder.encode(text, StandardCharsets.UTF_8)
                + "&response_url=" + URLEncoder.encode("https://hooks.slack.com/commands/T1/1/x", StandardCharsets.UTF_8)
                + "&trigger_id=" + trigger + "&api_app_id=A1";
        final String ts = String.valueOf(Instant.now().getEpochSecond());
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(pipeline.gatewayUrl() + "/webhooks/slack"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Slack-Request-Timestamp", ts)
                .header("X-Slack-Signature", "v0=" + hmacHex("v0:" + ts + ":" + body))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (retry != null) {
            request.header("X-Slack-Retry-Num", String.valueOf(retry)).header("X-Slack-Retry-Reason", "http_timeout");
        }
        final HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            return new Answer(response.statusCode(), null, null, null, response.body());
        }
        final JsonNode answer = Json.MAPPER.readTree(response.body());
        assertThat(answer.get("response_type").asText()).isEqualTo("ephemeral");
        final String shown = answer.get("text").asText();
        final Matcher m = FIGURES.matcher(shown);
        if (m.matches()) {
            return new Answer(200, m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), shown);
        }
        // "counting…": the figures did not show the command in time, or the query API did not answer (then no key either).
        assertThat(shown).isIn("commands for " + text + "|C1: counting…", "commands for : counting…");
        return new Answer(200, text + "|C1", null, null, shown);
    }

    private static String hmacHex(final String content) throws Exception {
        final Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return java.util.HexFormat.of().formatHex(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
    }

    private static Pipeline start() throws InterruptedException {
        final ConfigFile file = ConfigFile.parse("SlashCommandIT", CONFIG);
        final KafkaSettings kafka = KafkaSettings.from(file, ENV).withBootstrapServers(broker.bootstrapServers());
        final GatewayConfig gateway = GatewayConfig.from(file, ENV).withKafka(kafka);
        final ProcessorConfig processor = ProcessorConfig.from(file, ENV).withKafka(kafka).withStateDir(dir.resolve("state"));
        final Pipeline pipeline = Pipeline.start(null, gateway, processor, ENV);
        assertThat(pipeline.awaitRunning()).isTrue();
        return pipeline;
    }

    private static void awaitTotal(final String query, final String key, final long expected) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (total(query, key) != expected) {
            assertThat(System.nanoTime()).as("total of %s reaching %d", key, expected).isLessThan(deadline);
            Thread.sleep(20);   // polling the query API, not a fixed wait
        }
    }

    private static long total(final String query, final String key) throws Exception {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(query + "/v1/counters/commands/total?key="
                + URLEncoder.encode(key, StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body()).get("total").asLong();
    }
}
